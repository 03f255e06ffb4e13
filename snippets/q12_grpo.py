"""Q12 · GRPO: group-relative advantages instead of a value function.

GRPO (Shao et al. 2024, DeepSeekMath, arXiv:2402.03300, eqs. 3–4) samples G outputs o_1..o_G for one
prompt q, scores them r_1..r_G, and gives every token of o_i the advantage

    Â_{i,t} = (r_i − mean(r)) / std(r)                                  (outcome supervision)

then maximises the PPO-clipped surrogate minus a per-token KL penalty estimated with k3:

    J = 1/G Σ_i 1/|o_i| Σ_t [ min(ρ_{i,t} Â_{i,t}, clip(ρ_{i,t}, 1−ε, 1+ε) Â_{i,t}) − β D_KL ],
    D_KL = π_ref/π_θ − log(π_ref/π_θ) − 1.

This module is the home of the group advantage, the KL estimators and the loss aggregations that
DAPO (token mean, Q49) and Dr. GRPO (constant normaliser, no std, Q50) change.

Run: ``python -m snippets.q12_grpo``
"""

from __future__ import annotations

from typing import Literal

import torch

from snippets.q08_why_ppo import clipped_surrogate

Aggregation = Literal["sequence_mean", "token_mean", "constant"]


# --8<-- [start:group_advantages]
def group_advantages(rewards: torch.Tensor, scale_by_std: bool = True, eps: float = 1e-4) -> torch.Tensor:
    """Group-relative advantages (r_i − mean_g r) / (std_g r + eps).

    Args:
        rewards: shape (N, G): N prompts, G sampled outputs each.
        scale_by_std: divide by the group's standard deviation (GRPO); ``False`` gives r − mean (Dr. GRPO).
        eps: added to the std so that a group whose rewards are all equal gets advantage 0, not NaN.

    Returns:
        advantages, shape (N, G). A group with equal rewards gets exactly 0 (no learning signal).
    """
    if rewards.dim() != 2 or rewards.shape[1] < 2:
        raise ValueError(f"rewards must have shape (N, G) with G >= 2, got {tuple(rewards.shape)}")
    # Â_i = r_i − mean(r)
    centred = rewards - rewards.mean(dim=1, keepdim=True)
    if not scale_by_std:
        return centred
    # Â_i = (r_i − mean(r)) / (std(r) + eps); std is the sample std over the group (as TRL computes it)
    return centred / (rewards.std(dim=1, keepdim=True) + eps)
# --8<-- [end:group_advantages]


def kl_estimate(logp: torch.Tensor, ref_logp: torch.Tensor, kind: Literal["k1", "k2", "k3"] = "k3") -> torch.Tensor:
    """Per-token estimators of KL(π_θ ‖ π_ref) from tokens sampled from π_θ (Schulman 2020, "Approximating KL").

    With log-ratio ℓ = log π_ref(y) − log π_θ(y) and y ~ π_θ:
    k1 = −ℓ (unbiased, can be negative), k2 = ℓ²/2 (biased, low variance), k3 = e^ℓ − 1 − ℓ (unbiased, ≥ 0).

    Args:
        logp: log π_θ of the sampled tokens, shape (B, T).
        ref_logp: log π_ref of the same tokens, shape (B, T).
        kind: which estimator.

    Returns:
        per-token estimate, shape (B, T).
    """
    if logp.shape != ref_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and ref_logp {tuple(ref_logp.shape)} must match")
    # ℓ = log π_ref − log π_θ
    log_ratio = ref_logp - logp
    if kind == "k1":
        return -log_ratio
    if kind == "k2":
        return 0.5 * log_ratio**2
    if kind == "k3":
        # k3 = π_ref/π_θ − log(π_ref/π_θ) − 1   (DeepSeekMath eq. 4); expm1 keeps it exact near 0
        return torch.expm1(log_ratio) - log_ratio
    raise ValueError(f"unknown estimator {kind!r}")


# --8<-- [start:aggregate]
def aggregate(per_token: torch.Tensor, mask: torch.Tensor, mode: Aggregation = "sequence_mean", max_len: int | None = None) -> torch.Tensor:
    """Reduce a per-token loss over a batch of sequences to a scalar.

    - ``sequence_mean`` (GRPO): 1/B Σ_i 1/|o_i| Σ_t ℓ_{i,t} — each sequence weighs the same, so a
      token of a long answer weighs less than a token of a short one.
    - ``token_mean`` (DAPO): Σ_i Σ_t ℓ_{i,t} / Σ_i |o_i| — every token weighs the same.
    - ``constant`` (Dr. GRPO): Σ_i Σ_t ℓ_{i,t} / (B · max_len) — a fixed normaliser independent of lengths.

    Args:
        per_token: shape (B, T).
        mask: shape (B, T), 1 for response tokens, 0 for padding. Rows may be entirely 0.
        mode: one of the three above.
        max_len: the constant budget for ``constant`` (defaults to T).

    Returns:
        scalar loss. Empty rows contribute 0 and never produce NaN.
    """
    if per_token.shape != mask.shape:
        raise ValueError(f"per_token {tuple(per_token.shape)} and mask {tuple(mask.shape)} must match")
    mask = mask.to(per_token.dtype)
    summed = (per_token * mask).sum(dim=1)
    lengths = mask.sum(dim=1)
    if mode == "sequence_mean":
        # 1/B Σ_i (1/|o_i|) Σ_t ℓ_{i,t}   (an empty row divides 0 by 1)
        return (summed / lengths.clamp_min(1)).mean()
    if mode == "token_mean":
        # Σ_{i,t} ℓ_{i,t} / Σ_i |o_i|
        return summed.sum() / lengths.sum().clamp_min(1)
    if mode == "constant":
        # Σ_{i,t} ℓ_{i,t} / (B · L_max)
        return summed.sum() / (per_token.shape[0] * (max_len or per_token.shape[1]))
    raise ValueError(f"unknown aggregation {mode!r}")
# --8<-- [end:aggregate]


# --8<-- [start:grpo_loss]
def grpo_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    ref_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float = 0.2,
    eps_high: float | None = None,
    beta: float = 0.04,
    aggregation: Aggregation = "sequence_mean",
) -> torch.Tensor:
    """GRPO loss (the negative of DeepSeekMath eq. 3), to be minimised.

    Args:
        logp: log π_θ of each sampled token, shape (B, T), B = N·G sequences.
        old_logp: log π_θ_old of the same tokens (the sampler), shape (B, T).
        ref_logp: log π_ref of the same tokens, shape (B, T).
        advantages: one advantage per sequence, shape (B,), e.g. ``group_advantages(r).reshape(-1)``.
        mask: response-token mask, shape (B, T).
        eps_low: lower clip range, the ratio is kept above 1 − ε_low.
        eps_high: upper clip range, 1 + ε_high; ``None`` means symmetric (= eps_low).
        beta: KL coefficient (DeepSeekMath used 0.04). ``0`` drops the KL term, as DAPO does.
        aggregation: how tokens are averaged (see :func:`aggregate`).

    Returns:
        scalar loss.
    """
    if advantages.shape != logp.shape[:1]:
        raise ValueError(f"advantages {tuple(advantages.shape)} must have shape ({logp.shape[0]},)")
    # min(ρ Â, clip(ρ, 1−ε_low, 1+ε_high) Â), with Â_{i,t} = Â_i for every token
    surrogate = clipped_surrogate(logp, old_logp, advantages[:, None], eps_low, eps_high)
    # per-token objective: surrogate − β D_KL(π_θ ‖ π_ref)
    per_token = surrogate - beta * kl_estimate(logp, ref_logp, "k3") if beta else surrogate
    return -aggregate(per_token, mask, aggregation)
# --8<-- [end:grpo_loss]


def main() -> None:
    torch.manual_seed(0)
    # 1. Advantages: zero mean and unit sample std per group; an all-equal group gives exactly 0, no NaN.
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    adv = group_advantages(rewards)
    assert torch.isfinite(adv).all()
    assert torch.allclose(adv[0].mean(), torch.tensor(0.0)) and torch.allclose(adv[0].std(), torch.tensor(1.0), atol=1e-3)
    assert (adv[1:] == 0).all()

    # 2. KL estimators on an exact categorical: E_π[k1] = E_π[k3] = KL(π‖π_ref); k2 is biased; k3 >= 0.
    pi = torch.softmax(torch.randn(50, dtype=torch.float64), -1)
    ref = torch.softmax(torch.randn(50, dtype=torch.float64), -1)
    kl = (pi * (pi.log() - ref.log())).sum()
    expect = {k: (pi * kl_estimate(pi.log(), ref.log(), k)).sum() for k in ("k1", "k2", "k3")}
    assert torch.isclose(expect["k1"], kl) and torch.isclose(expect["k3"], kl)
    assert not torch.isclose(expect["k2"], kl, rtol=1e-3)
    assert (kl_estimate(pi.log(), ref.log(), "k3") >= 0).all()
    # ... and when π_ref is close to π, k3's variance is a small fraction of k1's (Schulman 2020).
    close = torch.softmax(pi.log() + 0.1 * torch.randn(50, dtype=torch.float64), -1)
    var = {k: (pi * kl_estimate(pi.log(), close.log(), k) ** 2).sum() - (pi * kl_estimate(pi.log(), close.log(), k)).sum() ** 2 for k in ("k1", "k3")}
    assert var["k3"] < 0.01 * var["k1"]

    # 2b. Used as a *loss* (differentiated through log π_θ, samples held fixed, on-policy), the
    #     estimators give different gradients: k1 → 0 in expectation, k2 → ∇KL(π_θ‖π_ref) (reverse,
    #     the RLHF one), k3 → ∇KL(π_ref‖π_θ) (forward). Checked exactly against autograd.
    logits = torch.randn(50, dtype=torch.float64, requires_grad=True)
    ref_logp = ref.log()

    def expected_loss_grad(kind: str) -> torch.Tensor:
        logp_theta = torch.log_softmax(logits, -1)
        (g,) = torch.autograd.grad((logp_theta.exp().detach() * kl_estimate(logp_theta, ref_logp, kind)).sum(), logits)
        return g

    logp_theta = torch.log_softmax(logits, -1)
    (reverse,) = torch.autograd.grad((logp_theta.exp() * (logp_theta - ref_logp)).sum(), logits)
    (forward,) = torch.autograd.grad((ref_logp.exp() * (ref_logp - torch.log_softmax(logits, -1))).sum(), logits)
    assert torch.allclose(expected_loss_grad("k1"), torch.zeros(50, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(expected_loss_grad("k2"), reverse) and torch.allclose(expected_loss_grad("k3"), forward)
    assert not torch.allclose(reverse, forward, atol=1e-3)

    # 3. On-policy first step (ρ = 1, β = 0): ∂loss/∂log π_θ(o_{i,t}) = −Â_i / (B·|o_i|) exactly.
    b, t = 4, 6
    mask = torch.tensor([[1] * 6, [1] * 3 + [0] * 3, [1] * 1 + [0] * 5, [0] * 6], dtype=torch.float64)
    logp = torch.randn(b, t, dtype=torch.float64).requires_grad_(True)
    a = torch.tensor([1.0, -0.5, 2.0, 3.0], dtype=torch.float64)
    grpo_loss(logp, logp.detach(), logp.detach(), a, mask, beta=0.0).backward()
    expected = -a[:, None] / (b * mask.sum(1, keepdim=True).clamp_min(1)) * mask
    assert torch.allclose(logp.grad, expected)
    print("group advantages finite on equal groups; k1,k3 unbiased, k2 biased, k3 low-variance; as losses k2 -> reverse-KL "
          "gradient, k3 -> forward-KL gradient; on-policy GRPO gradient = -A/(B|o|)")


if __name__ == "__main__":
    main()
