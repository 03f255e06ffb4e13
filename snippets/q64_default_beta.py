"""Q64 · A "default β" is a number in some unit: convert before comparing published values.

β multiplies a log-ratio and is traded against a reward, so its meaning depends on both scales
(Q7 shows π* depends on r/β only). Two conversions make published defaults comparable:

1. Length-normalised DPO (Tülu 3, Lambert et al. 2024, arXiv:2411.15124, §5, β = 5) divides each
   summed log-ratio by the response length. For pairs of equal length L it IS standard DPO
   (Rafailov et al. 2023, arXiv:2305.18290, eq. 7) with β_sum = β_LN / L; for mixed lengths no single
   β_sum reproduces it.
2. GRPO (Shao et al. 2024, arXiv:2402.03300, eq. 3, β = 0.04) divides advantages by the group's reward
   standard deviation σ but not the KL term, so β is in units of σ: the loss with (A/σ, β) is the
   loss with raw centred rewards and β·σ, divided by σ — same gradient direction, same optimum.

Run: ``python -m snippets.q64_default_beta``
"""

from __future__ import annotations

import torch

from snippets.q12_grpo import grpo_loss
from snippets.q14_dpo_derivation import dpo_loss


def summed_beta_from_length_normalised(beta_ln: float, length: torch.Tensor) -> torch.Tensor:
    """β of standard (summed) DPO equivalent to length-normalised DPO with β_LN on responses of length L.

    Args:
        beta_ln: β of the length-normalised loss (Tülu 3 used 5).
        length: response lengths L in tokens, any shape, all ≥ 1.

    Returns:
        β_sum = β_LN / L, same shape as ``length``.
    """
    if (length < 1).any():
        raise ValueError("lengths must be at least 1 token")
    # β_LN · (Δ_w/L − Δ_l/L) = (β_LN/L) · (Δ_w − Δ_l)
    return beta_ln / length


def grpo_beta_in_reward_units(beta: float, reward_std: float) -> float:
    """KL coefficient that, with raw centred rewards, matches GRPO's β with std-normalised advantages (up to 1/σ)."""
    if reward_std <= 0:
        raise ValueError(f"reward_std must be positive, got {reward_std}")
    # (A/σ)·ρ − β·KL = (1/σ)·(A·ρ − (β σ)·KL)
    return beta * reward_std


def main() -> None:
    torch.manual_seed(0)
    b = 64
    pw, pl, rw, rl = (40 * torch.randn(b, dtype=torch.float64) for _ in range(4))  # summed log-probs

    # 1. Equal lengths: length-normalised DPO with β_LN = 5 is summed DPO with β = 5/L (0.05 at L = 100).
    for length in (50, 100, 400):
        ln = dpo_loss(pw / length, pl / length, rw / length, rl / length, beta=5.0)
        beta_sum = summed_beta_from_length_normalised(5.0, torch.tensor(float(length))).item()
        assert torch.allclose(ln, dpo_loss(pw, pl, rw, rl, beta=beta_sum), atol=1e-12)
    assert abs(summed_beta_from_length_normalised(5.0, torch.tensor(100.0, dtype=torch.float64)).item() - 0.05) < 1e-15

    # ...mixed lengths: no single summed β reproduces the per-pair margins (least-squares fit leaves a residual).
    lw, ll = torch.randint(20, 400, (b,)).double(), torch.randint(20, 400, (b,)).double()
    margin_ln = 5.0 * ((pw - rw) / lw - (pl - rl) / ll)
    summed = (pw - rw) - (pl - rl)
    best = (summed @ margin_ln) / (summed @ summed)
    assert (margin_ln - best * summed).norm() > 0.3 * margin_ln.norm()

    # 2. GRPO: β multiplies a KL next to advantages in units of the reward std σ. With rewards of std σ,
    #    (A/σ, β) and (A, β σ) give losses — and gradients — that differ by the factor 1/σ exactly.
    n_seq, t = 8, 12
    rewards = 3.0 * torch.randn(n_seq, dtype=torch.float64)  # one group, σ ≈ 3
    sigma = rewards.std().item()
    centred = rewards - rewards.mean()
    logp = (-torch.rand(n_seq, t, dtype=torch.float64)).requires_grad_(True)
    old, ref = logp.detach() + 0.05 * torch.randn(n_seq, t, dtype=torch.float64), logp.detach() + 0.2 * torch.randn(n_seq, t, dtype=torch.float64)
    mask = (torch.rand(n_seq, t) < 0.8).double()
    normalised = grpo_loss(logp, old, ref, centred / sigma, mask, beta=0.04)
    (g_norm,) = torch.autograd.grad(normalised, logp)
    raw = grpo_loss(logp, old, ref, centred, mask, beta=grpo_beta_in_reward_units(0.04, sigma))
    (g_raw,) = torch.autograd.grad(raw, logp)
    assert torch.allclose(normalised, raw / sigma, atol=1e-12) and torch.allclose(g_norm, g_raw / sigma, atol=1e-12)
    # Keeping β = 0.04 but feeding raw centred rewards (as when the std division is dropped) weakens the
    # KL's pull relative to the policy-gradient term by exactly the factor σ.
    def kl_to_pg_ratio(adv: torch.Tensor) -> torch.Tensor:
        (g_pg,) = torch.autograd.grad(grpo_loss(logp, old, ref, adv, mask, beta=0.0), logp)
        (g_all,) = torch.autograd.grad(grpo_loss(logp, old, ref, adv, mask, beta=0.04), logp)
        return (g_all - g_pg).norm() / g_pg.norm()

    assert torch.isclose(kl_to_pg_ratio(centred / sigma) / kl_to_pg_ratio(centred), torch.tensor(sigma, dtype=torch.float64), rtol=1e-9)
    print("length-normalised beta_LN = summed beta * L; GRPO beta is in units of the group reward std")


if __name__ == "__main__":
    main()
