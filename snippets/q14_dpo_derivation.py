"""Q14 · Direct Preference Optimization: the RLHF optimum turned into a classification loss.

Rafailov et al. 2023 (arXiv:2305.18290), eqs. 4–7. The KL-regularised optimum
π*(y|x) = π_ref(y|x) exp(r(x,y)/β) / Z(x) inverts to r(x,y) = β log π*(y|x)/π_ref(y|x) + β log Z(x).
Under Bradley–Terry, p(y_w ≻ y_l | x) = σ(r(x,y_w) − r(x,y_l)); the β log Z(x) terms cancel, leaving

    L_DPO = −E log σ( β log π_θ(y_w|x)/π_ref(y_w|x) − β log π_θ(y_l|x)/π_ref(y_l|x) ).

This module is the home of the sequence log-probability, the implicit reward and the DPO loss that
the variants in section C (IPO, SimPO, …) are compared against.

Run: ``python -m snippets.q14_dpo_derivation``
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from snippets.q05_rlhf_objective import log_partition, optimal_policy


def sequence_logprob(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Summed log-probability log π(y|x) = Σ_t log π(y_t | x, y_<t) of the response tokens.

    Args:
        logits: next-token logits, shape (B, T, V), already aligned so that ``logits[:, t]`` predicts
            ``labels[:, t]``.
        labels: token ids, shape (B, T).
        mask: 1 for response tokens, 0 for prompt and padding, shape (B, T). A row of zeros gives 0.

    Returns:
        log π(y|x), shape (B,).
    """
    if logits.dim() != 3 or logits.shape[:2] != labels.shape or labels.shape != mask.shape:
        raise ValueError(f"need logits (B,T,V), labels (B,T), mask (B,T); got {tuple(logits.shape)}, {tuple(labels.shape)}, {tuple(mask.shape)}")
    # log π(y_t | ·) = logits[y_t] − logsumexp(logits)
    token_logp = torch.gather(torch.log_softmax(logits, dim=-1), 2, labels.unsqueeze(-1)).squeeze(-1)
    # log π(y|x) = Σ_t mask_t · log π(y_t | ·)
    return (token_logp * mask.to(token_logp.dtype)).sum(dim=-1)


def _check_pairs(*logps: torch.Tensor) -> None:
    shapes = {tuple(t.shape) for t in logps}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(f"the four log-probabilities must all have shape (B,), got {[tuple(t.shape) for t in logps]}")


def implicit_reward(policy_logp: torch.Tensor, ref_logp: torch.Tensor, beta: float) -> torch.Tensor:
    """DPO's implicit reward r̂(x, y) = β log π_θ(y|x)/π_ref(y|x), shape (B,) (equal to r up to β log Z(x))."""
    if policy_logp.shape != ref_logp.shape:
        raise ValueError(f"policy_logp {tuple(policy_logp.shape)} and ref_logp {tuple(ref_logp.shape)} must match")
    # r̂ = β (log π_θ(y|x) − log π_ref(y|x))
    return beta * (policy_logp - ref_logp)


def dpo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    beta: float = 0.1,
) -> torch.Tensor:
    """Per-pair DPO loss −log σ(r̂_w − r̂_l) (Rafailov et al. 2023, eq. 7).

    Args:
        policy_chosen_logp: log π_θ(y_w|x), shape (B,).
        policy_rejected_logp: log π_θ(y_l|x), shape (B,).
        ref_chosen_logp: log π_ref(y_w|x), shape (B,).
        ref_rejected_logp: log π_ref(y_l|x), shape (B,).
        beta: β > 0, the KL strength of the RLHF objective that DPO solves.

    Returns:
        loss per pair, shape (B,); take ``.mean()`` for the batch loss. Finite for any finite inputs.
    """
    _check_pairs(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp)
    # --8<-- [start:dpo]
    # margin = β[(log π_θ(y_w) − log π_ref(y_w)) − (log π_θ(y_l) − log π_ref(y_l))]
    margin = implicit_reward(policy_chosen_logp, ref_chosen_logp, beta) - implicit_reward(policy_rejected_logp, ref_rejected_logp, beta)
    # L = −log σ(margin), computed as logsigmoid (never log of a rounded-to-zero sigmoid)
    return -F.logsigmoid(margin)
    # --8<-- [end:dpo]


def main() -> None:
    torch.manual_seed(0)
    k, beta = 6, 0.3
    pi_ref = torch.softmax(torch.randn(k, dtype=torch.float64), -1)
    reward = torch.randn(k, dtype=torch.float64)
    pi_star = optimal_policy(pi_ref, reward, beta)

    # Step 3 of the derivation: β log π*/π_ref = r − β log Z, the same shift for every response.
    shift = implicit_reward(pi_star.log(), pi_ref.log(), beta) - reward
    assert torch.allclose(shift, -beta * log_partition(pi_ref, reward, beta).expand(k), atol=1e-12)

    # Step 4: the Bradley–Terry probability written with π* equals the one written with r (Z cancels).
    pairs = torch.tensor(list(itertools.permutations(range(k), 2)))
    w, l = pairs[:, 0], pairs[:, 1]
    p_true = torch.sigmoid(reward[w] - reward[l])
    p_dpo = torch.exp(-dpo_loss(pi_star.log()[w], pi_star.log()[l], pi_ref.log()[w], pi_ref.log()[l], beta))
    assert torch.allclose(p_true, p_dpo, atol=1e-12)

    # Step 5: the DPO gradient weight. ∂L/∂log π_θ(y_w) = −β σ(r̂_l − r̂_w), checked against autograd.
    pw = torch.randn(8, dtype=torch.float64).requires_grad_(True)
    pl = torch.randn(8, dtype=torch.float64).requires_grad_(True)
    rw, rl = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    dpo_loss(pw, pl, rw, rl, beta).sum().backward()
    weight = torch.sigmoid(implicit_reward(pl, rl, beta) - implicit_reward(pw, rw, beta)).detach()
    assert torch.allclose(pw.grad, -beta * weight) and torch.allclose(pl.grad, beta * weight)

    # End to end: minimising the population DPO loss over preferences sampled from Bradley–Terry(r)
    # recovers π* = π_ref exp(r/β)/Z — the RLHF optimum — with no reward model and no sampling.
    logits = pi_ref.log().clone().requires_grad_(True)
    opt = torch.optim.LBFGS([logits], lr=1, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logp = torch.log_softmax(logits, -1)
        loss = (p_true * dpo_loss(logp[w], logp[l], pi_ref.log()[w], pi_ref.log()[l], beta)).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert torch.allclose(torch.softmax(logits, -1), pi_star, atol=1e-6)

    # Stability: extreme log-probabilities give a finite loss and gradient.
    big = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    out = dpo_loss(big, -big, torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), beta)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()
    print("log Z cancels; DPO gradient weight = sigma(r_l - r_w); population DPO optimum = pi_ref*exp(r/beta)/Z")


if __name__ == "__main__":
    main()
