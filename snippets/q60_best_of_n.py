"""Q60 · Best-of-n: its exact distribution, its KL to the base policy, and its win rate.

Draw n responses from π, keep the one with the highest reward. With rewards sorted and ties kept together,
the best-of-n policy puts mass F(y)^n − F⁻(y)^n on a reward level (F = P(r(Y) ≤ r(y)), F⁻ = P(r(Y) < r(y))),
shared in proportion to π inside the level (Beirami et al. 2024, arXiv:2401.01879, §2).

The widely quoted KL(π_BoN ‖ π) = log n − (n − 1)/n (used by Stiennon et al. 2020, arXiv:2009.01325,
and many later papers) is an *upper bound*: it is reached only in the limit where no single response has
appreciable probability; a two-outcome π keeps the KL at most log 2 for every n (Beirami et al. 2024, §3).
Against one fresh sample from π the best-of-n response wins with probability n/(n + 1) for a continuous
reward; ties (discrete rewards) only lower the strict win rate (§5).

Run: ``python -m snippets.q60_best_of_n``
"""

from __future__ import annotations

import math

import torch


def best_of_n_distribution(pi: torch.Tensor, reward: torch.Tensor, n: int) -> torch.Tensor:
    """Exact best-of-n distribution over K responses, shape (K,).

    Args:
        pi: base-policy probabilities, shape (K,), summing to 1.
        reward: reward of each response, shape (K,); equal rewards are tied (a tie is broken uniformly at random,
            so tied responses keep their relative π-probabilities).
        n: number of samples, n ≥ 1.
    """
    if pi.shape != reward.shape or pi.dim() != 1:
        raise ValueError(f"pi and reward must share shape (K,), got {tuple(pi.shape)} and {tuple(reward.shape)}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    levels, level_of = torch.unique(reward, sorted=True, return_inverse=True)
    # π(level) = Σ_{y in level} π(y)
    level_mass = torch.zeros(len(levels), dtype=pi.dtype).index_add_(0, level_of, pi)
    # F(level) = P(r(Y) ≤ level),  F⁻(level) = P(r(Y) < level)
    cdf = torch.cumsum(level_mass, 0).clamp_max(1.0)
    cdf_below = cdf - level_mass
    # π_BoN(y) = π(y)/π(level(y)) · (F(level(y))^n − F⁻(level(y))^n)
    share = pi / level_mass[level_of].clamp_min(1e-300)
    return torch.where(pi > 0, share * (cdf[level_of] ** n - cdf_below[level_of].clamp_min(0.0) ** n), torch.zeros_like(pi))


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """KL(p ‖ q) = Σ p log(p/q) with 0 log 0 = 0, a scalar."""
    if p.shape != q.shape:
        raise ValueError(f"p {tuple(p.shape)} and q {tuple(q.shape)} must match")
    # KL = Σ_y p(y) (log p(y) − log q(y))
    return torch.where(p > 0, p * (torch.log(p.clamp_min(1e-300)) - torch.log(q.clamp_min(1e-300))), torch.zeros_like(p)).sum()


def kl_bound(n: int) -> float:
    """The analytical expression log n − (n − 1)/n: an upper bound on KL(π_BoN ‖ π) (Beirami et al. 2024, Thm 3.1)."""
    # log n − (n − 1)/n
    return math.log(n) - (n - 1) / n


def main() -> None:
    torch.manual_seed(0)
    f64 = dict(dtype=torch.float64)

    # 1. The exact distribution matches simulation: draw n from π, keep the argmax reward (ties at random).
    k, n = 6, 4
    pi = torch.softmax(torch.randn(k, **f64), -1)
    reward = torch.tensor([0.3, 1.2, 1.2, -0.5, 2.0, 0.0], **f64)  # two responses tie at 1.2
    bon = best_of_n_distribution(pi, reward, n)
    assert torch.isclose(bon.sum(), torch.tensor(1.0, **f64))
    draws = torch.multinomial(pi, 200_000 * n, replacement=True).view(-1, n)
    noisy = reward[draws] + 1e-9 * torch.rand(draws.shape, **f64)  # uniform random tie-breaking
    picked = draws.gather(1, noisy.argmax(1, keepdim=True)).squeeze(1)
    freq = torch.bincount(picked, minlength=k).to(torch.float64) / picked.numel()
    assert (freq - bon).abs().max() < 4 * math.sqrt(0.25 / picked.numel())

    # 2. KL(π_BoN ‖ π) ≤ log n − (n − 1)/n, for random discrete problems and every n tried.
    for trial in range(50):
        kk = int(torch.randint(2, 40, ()).item())
        p = torch.softmax(2 * torch.randn(kk, **f64), -1)
        r = torch.randint(0, 5, (kk,)).to(torch.float64)  # many ties
        for nn in (1, 2, 4, 16, 128):
            assert kl_divergence(best_of_n_distribution(p, r, nn), p) <= kl_bound(nn) + 1e-12

    # 3. It is not an identity. Two equally likely outcomes: the KL never exceeds log 2, for any n, while the
    #    formula grows like log n. With K equally likely distinct outcomes the gap closes as K grows.
    two = torch.tensor([0.5, 0.5], **f64)
    for nn in (2, 16, 1024):
        assert kl_divergence(best_of_n_distribution(two, torch.tensor([0.0, 1.0], **f64), nn), two) <= math.log(2) + 1e-12
    assert kl_bound(1024) > 5 * math.log(2)
    gaps = []
    for kk in (4, 64, 1024, 16384):
        u = torch.full((kk,), 1.0 / kk, **f64)
        gaps.append(kl_bound(16) - kl_divergence(best_of_n_distribution(u, torch.arange(kk, **f64), 16), u).item())
    assert all(g1 > g2 > 0 for g1, g2 in zip(gaps, gaps[1:])) and gaps[-1] < 1e-2

    # 4. Win rate against one base sample: n/(n + 1) for a continuous reward (Monte Carlo), less with ties.
    m = 200_000
    for nn in (1, 4, 16):
        best = torch.randn(m, nn, **f64).max(1).values
        rate = (best > torch.randn(m, **f64)).double().mean().item()
        assert abs(rate - nn / (nn + 1)) < 4 * math.sqrt(0.25 / m)
    coarse = torch.randint(0, 3, (m, 4)).max(1).values  # three equally likely reward levels
    assert (coarse > torch.randint(0, 3, (m,))).double().mean().item() < 4 / 5 - 0.05
    print(f"BoN KL gap to log n-(n-1)/n at n=16: {gaps[0]:.3f} (K=4) -> {gaps[-1]:.4f} (K=16384); win rate n/(n+1) confirmed")


if __name__ == "__main__":
    main()
