"""Q3 · The Bradley–Terry model: preference probability = sigmoid of the score difference.

Bradley & Terry 1952 (doi:10.2307/2334029) give each item a positive worth π_i and model
P(i beats j) = π_i / (π_i + π_j). Writing π_i = exp(r_i) turns this into

    p(y_1 ≻ y_2 | x) = exp r(x, y_1) / (exp r(x, y_1) + exp r(x, y_2)) = σ(r(x, y_1) − r(x, y_2)),

the form RLHF uses (Christiano et al. 2017, arXiv:1706.03741, eq. 1; Rafailov et al. 2023,
arXiv:2305.18290, eq. 1). Only differences enter, so the scores are identified up to one additive constant
(the scale is fixed by σ). The logistic Elo formula 1/(1 + 10^{(R_2 − R_1)/400}) is the same model with
r = R · ln(10)/400.

Run: ``python -m snippets.q03_bradley_terry``
"""

from __future__ import annotations

import math

import torch

from snippets.q04_reward_model_training import reward_model_loss


def bt_probability(r_1: torch.Tensor, r_2: torch.Tensor) -> torch.Tensor:
    """p(y_1 ≻ y_2) = σ(r_1 − r_2) under Bradley–Terry, elementwise; shapes must match, result has their shape."""
    if r_1.shape != r_2.shape:
        raise ValueError(f"r_1 {tuple(r_1.shape)} and r_2 {tuple(r_2.shape)} must match")
    # p = e^{r_1} / (e^{r_1} + e^{r_2}) = σ(r_1 − r_2)
    return torch.sigmoid(r_1 - r_2)


def elo_expected_score(rating_1: torch.Tensor, rating_2: torch.Tensor) -> torch.Tensor:
    """Logistic Elo expected score E_1 = 1 / (1 + 10^{(R_2 − R_1)/400}), elementwise; shapes must match."""
    if rating_1.shape != rating_2.shape:
        raise ValueError(f"rating_1 {tuple(rating_1.shape)} and rating_2 {tuple(rating_2.shape)} must match")
    # E_1 = 1 / (1 + 10^{(R_2 − R_1)/400})
    return 1.0 / (1.0 + torch.pow(10.0, (rating_2 - rating_1) / 400.0))


def win_counts(winners: torch.Tensor, losers: torch.Tensor, n_items: int) -> torch.Tensor:
    """W[i, j] = number of comparisons in which item i was preferred to item j, shape (M, M), float64.

    Args:
        winners: index of the preferred item of each comparison, shape (N,), int64.
        losers: index of the other item, shape (N,), int64.
        n_items: M.
    """
    if winners.shape != losers.shape or winners.dim() != 1:
        raise ValueError(f"winners and losers must both have shape (N,), got {tuple(winners.shape)} and {tuple(losers.shape)}")
    if bool((winners == losers).any()):
        raise ValueError("an item cannot be compared with itself")
    counts = torch.zeros(n_items * n_items, dtype=torch.float64)
    # W[w, l] += 1 for each comparison w ≻ l
    counts.index_add_(0, winners * n_items + losers, torch.ones(len(winners), dtype=torch.float64))
    return counts.view(n_items, n_items)


def bt_nll(scores: torch.Tensor, wins: torch.Tensor) -> torch.Tensor:
    """Bradley–Terry negative log-likelihood Σ_{i,j} −W[i,j] log σ(s_i − s_j), a scalar.

    Args:
        scores: one score per item, shape (M,).
        wins: win counts W from :func:`win_counts`, shape (M, M).
    """
    m = scores.shape[0]
    if scores.dim() != 1 or wins.shape != (m, m):
        raise ValueError(f"need scores (M,) and wins (M, M); got {tuple(scores.shape)} and {tuple(wins.shape)}")
    s_i, s_j = scores[:, None].expand(m, m), scores[None, :].expand(m, m)
    # NLL = Σ_{i,j} W_ij · (−log σ(s_i − s_j)): the reward-model loss of Q4, weighted by counts
    return (wins.reshape(-1) * reward_model_loss(s_i.reshape(-1), s_j.reshape(-1))).sum()


def fit_bradley_terry(wins: torch.Tensor, iters: int = 30) -> torch.Tensor:
    """Maximum-likelihood Bradley–Terry scores, centred to sum to zero (the one free constant fixed).

    Newton's method on the convex NLL. With N = W + Wᵀ and P_ij = σ(s_i − s_j), the gradient is
    expected minus observed wins, g_i = Σ_j (N_ij P_ij − W_ij), and the Hessian is the graph Laplacian
    with edge weights N_ij P_ij P_ji, singular along the all-ones vector; the pseudo-inverse step stays in
    the sum-zero subspace. Assumes a connected comparison graph in which no item wins (or loses) all its
    comparisons, otherwise the MLE does not exist.

    Args:
        wins: win counts W, shape (M, M).
        iters: Newton steps.

    Returns:
        scores, shape (M,), float64, summing to 0.
    """
    if wins.dim() != 2 or wins.shape[0] != wins.shape[1]:
        raise ValueError(f"wins must be square (M, M), got {tuple(wins.shape)}")
    n = wins + wins.T
    scores = torch.zeros(wins.shape[0], dtype=torch.float64)
    for _ in range(iters):
        p = torch.sigmoid(scores[:, None] - scores[None, :])
        # g_i = Σ_j (N_ij P_ij − W_ij): expected wins minus observed wins
        grad = (n * p - wins).sum(1)
        # H = diag(Σ_j A_ij) − A with A_ij = N_ij P_ij P_ji
        a = n * p * p.T
        hess = torch.diag(a.sum(1)) - a
        # Newton step Δ = −H⁺ g (H⁺ the pseudo-inverse: no move along the unidentified all-ones direction)
        scores = scores - torch.linalg.pinv(hess, hermitian=True) @ grad
    return scores - scores.mean()


def main() -> None:
    torch.manual_seed(0)
    # 1. The model: π_i / (π_i + π_j) with π = e^r is σ(r_i − r_j); logistic Elo is the same with r = R ln10 / 400.
    r1, r2 = torch.randn(100, dtype=torch.float64), torch.randn(100, dtype=torch.float64)
    assert torch.allclose(bt_probability(r1, r2), r1.exp() / (r1.exp() + r2.exp()), atol=1e-12)
    elo1, elo2 = 1500 + 300 * r1, 1500 + 300 * r2
    scale = math.log(10) / 400
    assert torch.allclose(elo_expected_score(elo1, elo2), bt_probability(scale * elo1, scale * elo2), atol=1e-12)
    # A 400-point Elo gap means odds of 10:1.
    assert abs(elo_expected_score(torch.tensor(1900.0), torch.tensor(1500.0)).item() - 10 / 11) < 1e-6

    # 2. Synthetic comparisons among six items with known scores, labels drawn from Bradley–Terry.
    true = torch.tensor([-1.2, -0.5, 0.0, 0.3, 0.9, 1.6], dtype=torch.float64)
    m, n = len(true), 30_000
    a = torch.randint(0, m, (n,))
    b = (a + torch.randint(1, m, (n,))) % m  # a different item
    a_wins = torch.rand(n, dtype=torch.float64) < bt_probability(true[a], true[b])
    winners, losers = torch.where(a_wins, a, b), torch.where(a_wins, b, a)

    wins = win_counts(winners, losers, m)

    # 3. Identification: adding a constant to every score leaves the likelihood unchanged...
    s = torch.randn(m, dtype=torch.float64)
    assert torch.allclose(bt_nll(s + 5.0, wins), bt_nll(s, wins), rtol=1e-12)
    # ...while the scale is identified: doubling all scores changes it.
    assert (bt_nll(2 * s, wins) - bt_nll(s, wins)).abs() > 1.0

    # 4. Recovery: the MLE matches the true scores after removing the mean (the only free constant).
    fit = fit_bradley_terry(wins)
    assert torch.allclose(fit, true - true.mean(), atol=0.1), fit - (true - true.mean())
    assert torch.equal(fit.argsort(), true.argsort())
    # At the MLE the autograd gradient vanishes, and the autograd Hessian has exactly one zero eigenvalue,
    # whose eigenvector is the all-ones vector: the data pin down everything except a common shift.
    x = fit.clone().requires_grad_(True)
    assert torch.autograd.grad(bt_nll(x, wins), x)[0].abs().max() < 1e-6
    hess = torch.autograd.functional.hessian(lambda v: bt_nll(v, wins), fit)
    eig = torch.linalg.eigvalsh(hess)
    assert eig[0].abs() < 1e-9 * eig[-1] and eig[1] > 1e-2 * eig[-1]
    assert (hess @ torch.ones(m, dtype=torch.float64)).abs().max() < 1e-9 * eig[-1]
    print(f"BT fit recovers scores up to a shift: max error {(fit - (true - true.mean())).abs().max():.3f}")


if __name__ == "__main__":
    main()
