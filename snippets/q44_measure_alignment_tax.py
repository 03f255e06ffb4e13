"""Q44 · The alignment tax as a measured quantity: a paired before/after delta with its uncertainty.

The alignment tax is the capability the preference-tuning stage costs: the change in a benchmark score
from the checkpoint that entered preference training (usually the SFT model) to the one that left it
(Ouyang et al. 2022, arXiv:2203.02155, who name it and counter it with PPO-ptx). Scored item by item on
the same benchmark, the delta is the mean of per-item differences d_i = after_i − before_i ∈ {−1, 0, 1},
and its standard error is

    SE(Δ) = sd(d) / √N,

which depends only on how often the two checkpoints *disagree* on an item — not on the two accuracies
separately, as an unpaired comparison would assume. A tax threshold is meaningless unless it is larger
than the interval: on a 164-item benchmark (HumanEval's size) no 2-point rule can be enforced.

Run: ``python -m snippets.q44_measure_alignment_tax``
"""

from __future__ import annotations

import torch

from snippets.q42_evaluate_aligned_model import bootstrap_ci


def _check(before: torch.Tensor, after: torch.Tensor) -> None:
    if before.shape != after.shape or before.dim() != 1 or before.numel() < 2:
        raise ValueError(f"before and after must be per-item scores of one shape (N,), N >= 2; got {tuple(before.shape)} and {tuple(after.shape)}")


def capability_delta(before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
    """Δ = mean_i (after_i − before_i): negative means the tuned model lost capability (a tax).

    Args:
        before: per-item score of the checkpoint before preference tuning, shape (N,) (0/1 correctness or
            a score in [0, 1]).
        after: per-item score of the tuned checkpoint on the same items, shape (N,).

    Returns:
        scalar Δ.
    """
    _check(before, after)
    # Δ = 1/N Σ_i (a_i − b_i)
    return (after.to(torch.float64) - before.to(torch.float64)).mean()


def paired_delta_se(before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
    """Standard error of Δ from the per-item differences: sd(after − before)/√N (shapes (N,))."""
    _check(before, after)
    d = after.to(torch.float64) - before.to(torch.float64)
    # SE = sd(d)/√N, the sample sd of the paired differences
    return d.std() / d.numel() ** 0.5


def unpaired_delta_se(before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
    """The standard error if the two score lists were independent samples: √(var(a)/N + var(b)/N)."""
    _check(before, after)
    n = before.numel()
    # SE_unpaired = √(s_b²/N + s_a²/N): ignores that the same items are hard for both checkpoints
    return (before.to(torch.float64).var() / n + after.to(torch.float64).var() / n).sqrt()


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    noise = 0.5  # checkpoint-specific randomness on an item; item difficulty z is shared by both

    def evaluate(n_items: int, shift: float, n_evals: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """Score `n_evals` independent draws of an `n_items` benchmark with the SFT and the tuned checkpoint."""
        z = 1.5 * torch.randn(n_evals, n_items, generator=gen, dtype=torch.float64)
        before = (z + 0.3 + noise * torch.randn(z.shape, generator=gen, dtype=torch.float64) > 0).double()
        after = (z + 0.3 + shift + noise * torch.randn(z.shape, generator=gen, dtype=torch.float64) > 0).double()
        return before, after

    # The population tax the toy is built with: P(correct | z) = Φ((z + a)/noise), averaged over z.
    shift = -0.08
    z_pop = 1.5 * torch.randn(400_000, generator=gen, dtype=torch.float64)
    true_delta = (torch.special.ndtr((z_pop + 0.3 + shift) / noise) - torch.special.ndtr((z_pop + 0.3) / noise)).mean().item()
    assert -0.03 < true_delta < -0.015  # a "2-point" tax

    # 1. The paired interval Δ ± 1.96·SE covers the true tax about 95 % of the time (GSM8K-size test set).
    n_sims, n_items = 300, 1319
    before, after = evaluate(n_items, shift, n_sims)
    d = after - before
    delta, se = d.mean(dim=1), d.std(dim=1) / n_items**0.5
    coverage = ((delta - 1.96 * se <= true_delta) & (true_delta <= delta + 1.96 * se)).double().mean().item()
    assert 0.90 <= coverage <= 0.99, coverage

    # 2. Pairing matters: the same items are easy or hard for both checkpoints, so the per-item
    #    differences vary far less than the two score lists do, and the bootstrap agrees with the formula.
    b, a = before[0], after[0]
    assert paired_delta_se(b, a) < 0.6 * unpaired_delta_se(b, a)
    lo, hi = bootstrap_ci(a - b, generator=gen)
    assert abs((hi - lo) / 2 - 1.96 * paired_delta_se(b, a).item()) < 0.15 * (hi - lo) / 2

    # 3. Resolution: on a HumanEval-size benchmark (164 items) the 95 % half-width is several points, so a
    #    "<2 points is healthy" rule cannot be checked there; 8× more items shrink it by about √8.
    half = {}
    for n in (164, 1319):
        b, a = evaluate(n, shift, 200)
        half[n] = (1.96 * (a - b).std(dim=1) / n**0.5).mean().item()
    assert half[164] > 0.04, half
    assert 2.4 < half[164] / half[1319] < 3.3, half  # √(1319/164) ≈ 2.84

    # 4. False alarms: with NO true tax, a 164-item benchmark shows a drop of more than 2 points in a
    #    sizeable fraction of evaluations — a threshold on the point estimate fires on noise.
    b, a = evaluate(164, 0.0, 2000)
    false_alarm = ((a - b).mean(dim=1) < -0.02).double().mean().item()
    assert false_alarm > 0.15, false_alarm
    print(f"true tax {true_delta:+.3f}; coverage {coverage:.2f}; 95% half-width {half[164]:.3f} (N=164) vs {half[1319]:.3f} (N=1319); false alarms at N=164: {false_alarm:.2f}")


if __name__ == "__main__":
    main()
