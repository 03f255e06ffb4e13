"""Q16 · DPO and RLHF share an optimum only where the preference data reaches.

The closed form π* = π_ref exp(r/β)/Z is exact (Rafailov et al. 2023, arXiv:2305.18290, eq. 4), so with
preferences on every pair of responses, population DPO and KL-regularised RLHF have the same unique
solution. With finite coverage they do not. The DPO loss sees a policy only through the log-ratios of
responses that appear in the data, so every policy that matches those ratios is a minimiser, however it
spreads the rest of its mass — including onto responses the reference never produces. RLHF with a reward
fitted to the same data returns π_ref exp(r/β)/Z, which can never leave the reference's support. Xu et al.
2024 (arXiv:2404.10719, Theorem 4.1) prove the resulting inclusion is strict: Π_PPO ⊊ Π_DPO.

Run: ``python -m snippets.q16_dpo_vs_rlhf_equivalence``
"""

from __future__ import annotations

import itertools

import torch

from snippets.q05_rlhf_objective import optimal_policy, rlhf_objective
from snippets.q14_dpo_derivation import dpo_loss


def population_dpo_loss(
    logp: torch.Tensor, ref_logp: torch.Tensor, winners: torch.Tensor, losers: torch.Tensor, weights: torch.Tensor, beta: float
) -> torch.Tensor:
    """Expected DPO loss Σ_p w_p · ℓ_DPO(y_w^p, y_l^p) over a fixed set of preference pairs on a bandit.

    Args:
        logp: log π_θ of the K responses, shape (K,).
        ref_logp: log π_ref of the K responses, shape (K,); must be finite on every response in a pair.
        winners: index of y_w in each pair, shape (P,).
        losers: index of y_l in each pair, shape (P,).
        weights: probability (or count) of each ordered pair, shape (P,).
        beta: β > 0.

    Returns:
        scalar loss. It depends on ``logp`` only through the differences logp[y_w] − logp[y_l].
    """
    if logp.shape != ref_logp.shape or logp.dim() != 1:
        raise ValueError(f"logp {tuple(logp.shape)} and ref_logp {tuple(ref_logp.shape)} must both be (K,)")
    if not (winners.shape == losers.shape == weights.shape):
        raise ValueError(f"winners {tuple(winners.shape)}, losers {tuple(losers.shape)}, weights {tuple(weights.shape)} must match")
    # L = Σ_p w_p · −log σ(β[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))])
    return (weights * dpo_loss(logp[winners], logp[losers], ref_logp[winners], ref_logp[losers], beta)).sum()


def main() -> None:
    torch.manual_seed(0)
    dt, beta = torch.float64, 0.5
    # Five responses: y0–y2 appear in the preference data, y3 is possible under π_ref but never compared,
    # y4 is a response the reference model never produces (π_ref(y4) = 0).
    pi_ref = torch.tensor([0.3, 0.25, 0.2, 0.25, 0.0], dtype=dt)
    reward = torch.tensor([1.0, 0.2, -0.5, 0.4, -2.0], dtype=dt)
    covered = [0, 1, 2]
    pairs = torch.tensor(list(itertools.permutations(covered, 2)))
    w, l = pairs[:, 0], pairs[:, 1]
    prefs = torch.sigmoid(reward[w] - reward[l])  # Bradley–Terry probability that y_w ≻ y_l
    ref_logp = pi_ref.log()

    def loss_at(pi: torch.Tensor) -> torch.Tensor:
        return population_dpo_loss(pi.log(), ref_logp, w, l, prefs, beta)

    # The RLHF optimum for the true reward attains the minimum of the DPO loss (the equivalence, where data exists).
    pi_star = optimal_policy(pi_ref, reward, beta)
    l_min = loss_at(pi_star)
    assert pi_star[4] == 0

    # 1. Non-unique DPO optimum: keep π*'s ratios on the covered responses, move mass m anywhere else.
    def reshuffle(m: float, onto: int) -> torch.Tensor:
        pi = torch.zeros_like(pi_star)
        pi[covered] = (1 - m) * pi_star[covered] / pi_star[covered].sum()
        pi[onto] = m
        return pi

    family = [reshuffle(m, onto) for m in (0.05, 0.5, 0.9) for onto in (3, 4)]
    for pi in family:
        assert torch.allclose(loss_at(pi), l_min, atol=1e-12)
        # ...and each is a stationary point: the gradient with respect to the logits vanishes.
        logits = pi.clamp_min(1e-300).log().clone().requires_grad_(True)
        population_dpo_loss(torch.log_softmax(logits, -1), ref_logp, w, l, prefs, beta).backward()
        assert logits.grad.abs().max() < 1e-10

    # 2. RLHF, by contrast, has a unique maximiser for a given reward, and no finite-KL policy can put
    #    mass where π_ref has none: J = −∞ for the DPO-optimal policy that sends half its mass to y4.
    j_star = rlhf_objective(pi_star, pi_ref, reward, beta)
    for pi in family:
        j = rlhf_objective(pi, pi_ref, reward, beta)
        assert j < j_star - 1e-3
        if pi[4] > 0:
            assert j == float("-inf")

    # 3. Π_RLHF ⊊ Π_DPO (Xu et al. 2024, Theorem 4.1). Every reward that fits the data equally well — the true
    #    reward on y0–y2 up to a constant, anything at all on y3 and y4 — yields, through the closed form, a
    #    policy that minimises the DPO loss. None of them puts mass on y4; some DPO minimisers do.
    fitted = reward.expand(2000, 5).clone()
    fitted[:, covered] += 5 * torch.randn(2000, 1, dtype=dt)
    fitted[:, 3:] = 40 * torch.rand(2000, 2, dtype=dt) - 20
    rlhf_solutions = optimal_policy(pi_ref.expand(2000, 5), fitted, beta)
    assert all(torch.allclose(loss_at(pi), l_min, atol=1e-9) for pi in rlhf_solutions[:200])
    assert (rlhf_solutions[:, 4] == 0).all()
    assert any(pi[4] > 0 for pi in family)
    print(f"DPO minimum {l_min.item():.4f} reached by {len(family)} different policies, "
          f"max mass on the never-seen y4: {max(pi[4].item() for pi in family):.2f}; RLHF solutions: 0")


if __name__ == "__main__":
    main()
