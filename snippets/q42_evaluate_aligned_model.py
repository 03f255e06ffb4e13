"""Q42 · Evaluating an aligned model: every score is an estimate, so report it with an interval.

A win rate against a baseline is the mean of per-prompt outcomes (win 1, tie ½, loss 0) over n prompts;
a capability score is the mean of per-item correctness. Both are sample means, so their sampling error
shrinks like 1/√n. The percentile bootstrap (Efron 1979, doi:10.1214/aos/1176344552) resamples the n
prompts with replacement and reads the interval off the resampled means. When two models are scored on
the *same* prompts, resample the per-prompt *differences* (a paired bootstrap): prompt difficulty is
shared by both models and cancels, so the interval is much narrower than treating the two score lists
as independent samples.

This module is the home of ``win_rate``, ``bootstrap_means`` and ``bootstrap_ci``, which Q43 (length-
controlled win rate) and Q44 (alignment tax) reuse.

Run: ``python -m snippets.q42_evaluate_aligned_model``
"""

from __future__ import annotations

import torch


def win_rate(outcomes: torch.Tensor) -> torch.Tensor:
    """Win rate of a model against a baseline: the mean of per-prompt outcomes.

    Args:
        outcomes: shape (N,), each 1.0 (model wins), 0.5 (tie) or 0.0 (baseline wins), or a judge's
            soft preference in [0, 1].

    Returns:
        scalar win rate in [0, 1].
    """
    if outcomes.dim() != 1 or outcomes.numel() == 0:
        raise ValueError(f"outcomes must be a non-empty vector (N,), got shape {tuple(outcomes.shape)}")
    if ((outcomes < 0) | (outcomes > 1)).any():
        raise ValueError("outcomes must lie in [0, 1]: 1 win, 0.5 tie, 0 loss")
    # WR = 1/N Σ_x o_x, a tie counting as half a win
    return outcomes.mean()


def bootstrap_means(values: torch.Tensor, n_boot: int = 2000, generator: torch.Generator | None = None) -> torch.Tensor:
    """Means of ``n_boot`` bootstrap resamples of the rows of ``values``.

    Args:
        values: per-prompt statistics, shape (N,) — outcomes, correctness, or per-prompt *differences*
            between two models for a paired bootstrap.
        n_boot: number of resamples B.
        generator: optional RNG for reproducibility.

    Returns:
        shape (B,): the mean of each resample of N rows drawn with replacement.
    """
    if values.dim() != 1 or values.numel() < 2:
        raise ValueError(f"values must be a vector (N,) with N >= 2, got shape {tuple(values.shape)}")
    n = values.numel()
    idx = torch.randint(0, n, (n_boot, n), generator=generator, device=values.device)
    # θ*_b = 1/N Σ_j v_{I_bj},  I_bj ~ Uniform{1..N}
    return values[idx].mean(dim=1)


def bootstrap_ci(
    values: torch.Tensor, alpha: float = 0.05, n_boot: int = 2000, generator: torch.Generator | None = None
) -> tuple[float, float]:
    """Percentile bootstrap (1 − α) confidence interval for the mean of ``values``.

    Args:
        values: shape (N,). Pass ``after - before`` per item for a paired interval on a difference.
        alpha: 1 − coverage; 0.05 gives a 95 % interval.
        n_boot: number of resamples.
        generator: optional RNG.

    Returns:
        (low, high): the α/2 and 1 − α/2 quantiles of the bootstrap means.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    means = bootstrap_means(values.to(torch.float64), n_boot, generator)
    # [q_{α/2}(θ*), q_{1−α/2}(θ*)]
    lo, hi = torch.quantile(means, torch.tensor([alpha / 2, 1 - alpha / 2], dtype=torch.float64))
    return lo.item(), hi.item()


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    p_win, p_tie, n = 0.55, 0.10, 300
    true_wr = p_win + 0.5 * p_tie

    # 1. Coverage: over many simulated evaluations, the 95 % bootstrap interval contains the true win rate
    #    about 95 % of the time, and its half-width matches the normal approximation 1.96·sd/√n.
    probs = torch.tensor([1 - p_win - p_tie, p_tie, p_win], dtype=torch.float64)  # loss, tie, win
    levels = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    n_sims, covered, widths = 160, 0, []
    for _ in range(n_sims):
        outcomes = levels[torch.multinomial(probs, n, replacement=True, generator=gen)]
        lo, hi = bootstrap_ci(outcomes, n_boot=300, generator=gen)
        covered += lo <= true_wr <= hi
        widths.append((hi - lo) / 2)
    sd = ((levels - true_wr) ** 2 * probs).sum().sqrt().item()
    assert 0.90 <= covered / n_sims <= 0.99, covered / n_sims
    half = sum(widths) / len(widths)
    assert abs(half - 1.96 * sd / n**0.5) < 0.1 * half, (half, 1.96 * sd / n**0.5)
    # With 300 prompts a win rate is only known to about ±5 points: two models 3 points apart are a tie.
    assert 0.04 < half < 0.06

    # 2. Paired beats unpaired. Two checkpoints answer the same 500 prompts. Each prompt has a latent
    #    difficulty z shared by both (what one model finds hard, so does the other), plus a little
    #    model-specific noise. Resampling per-prompt differences cancels z; resampling the two score lists
    #    independently does not, and gives an interval about twice as wide for the same data.
    m = 500
    z = 2.0 * torch.randn(m, generator=gen, dtype=torch.float64)
    a = (z + 0.5 * torch.randn(m, generator=gen, dtype=torch.float64) > 0).double()
    b = (z + 0.2 + 0.5 * torch.randn(m, generator=gen, dtype=torch.float64) > 0).double()
    lo_p, hi_p = bootstrap_ci(b - a, generator=gen)
    diff_unpaired = bootstrap_means(b, generator=gen) - bootstrap_means(a, generator=gen)
    lo_u, hi_u = torch.quantile(diff_unpaired, torch.tensor([0.025, 0.975], dtype=torch.float64)).tolist()
    assert (hi_p - lo_p) < 0.6 * (hi_u - lo_u), (hi_p - lo_p, hi_u - lo_u)
    # The paired width is what the variance of the differences predicts: 2·1.96·sd(b − a)/√m.
    assert abs((hi_p - lo_p) - 2 * 1.96 * (b - a).std().item() / m**0.5) < 0.15 * (hi_p - lo_p)

    # 3. Bad input is rejected, not silently averaged.
    for bad in (torch.tensor([0.0, 2.0]), torch.zeros(0), torch.zeros(2, 2)):
        try:
            win_rate(bad)
        except ValueError:
            continue
        raise AssertionError(f"win_rate accepted {bad}")
    print(f"95% bootstrap CI covers {covered}/{n_sims}; half-width {half:.3f} at n={n}; paired CI {hi_p - lo_p:.3f} vs unpaired {hi_u - lo_u:.3f}")


if __name__ == "__main__":
    main()
