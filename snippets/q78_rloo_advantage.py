"""Q78 · The RLOO advantage A_i = r_i − mean_{j≠i} r_j: unbiased by Monte Carlo, and blind to reward offsets.

RLOO (Kool et al. 2019; Ahmadian et al. 2024, arXiv:2402.14740) samples k responses per prompt and
gives response i the advantage A_i = r_i − 1/(k−1) Σ_{j≠i} r_j (home: Q51's ``rloo_advantages``). The
baseline of sample i never looks at y_i, so

    E[ 1/k Σ_i A_i ∇_θ log π_θ(y_i) ] = ∇_θ E_{y~π_θ}[r(y)]       (unbiased),

and adding any constant c to every reward leaves every A_i unchanged, so the estimator's variance does
not depend on the reward's offset. Plain REINFORCE (A_i = r_i) is unbiased too, but its variance grows
like c². Checked here by Monte Carlo on a two-token autoregressive policy (9 possible sequences),
a different setting from Q51's exact enumeration on a bandit.

Run: ``python -m snippets.q78_rloo_advantage``
"""

from __future__ import annotations

import itertools

import torch

from snippets.q51_rloo import rloo_advantages


def policy_gradient_estimates(advantages: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
    """One REINFORCE-style gradient estimate per group: ĝ = 1/k Σ_i A_i ∇_θ log π_θ(y_i).

    Args:
        advantages: A_i per sample, shape (R, k): R independent groups of k samples.
        score: ∇_θ log π_θ(y) of each sampled sequence, shape (R, k, P) for P parameters.

    Returns:
        estimates, shape (R, P).
    """
    if advantages.shape != score.shape[:2] or score.dim() != 3:
        raise ValueError(f"need advantages (R, k) and score (R, k, P), got {tuple(advantages.shape)} and {tuple(score.shape)}")
    # ĝ = 1/k Σ_i A_i ∇ log π(y_i)
    return (advantages.unsqueeze(-1) * score).mean(dim=1)


def main() -> None:
    torch.manual_seed(0)
    v, k, groups = 3, 4, 20_000
    dt = torch.float64
    # Policy over two-token sequences: logits of token 1, and of token 2 given token 1.
    theta = torch.randn(v + v * v, dtype=dt, requires_grad=True)
    seqs = torch.tensor(list(itertools.product(range(v), repeat=2)))  # the 9 sequences

    def seq_logp(params: torch.Tensor) -> torch.Tensor:
        first = torch.log_softmax(params[:v], -1)
        second = torch.log_softmax(params[v:].view(v, v), -1)
        return first[seqs[:, 0]] + second[seqs[:, 0], seqs[:, 1]]

    logp = seq_logp(theta)
    reward = torch.randn(len(seqs), dtype=dt)
    # Exact gradient of E[r] and the score ∇ log π(y) of each of the 9 sequences.
    (exact,) = torch.autograd.grad((logp.exp() * reward).sum(), theta, retain_graph=True)
    score = torch.stack([torch.autograd.grad(logp[s], theta, retain_graph=True)[0] for s in range(len(seqs))])

    draws = torch.multinomial(logp.exp().detach(), groups * k, replacement=True).view(groups, k)
    for offset in (0.0, 10.0):
        r = reward[draws] + offset
        rloo = policy_gradient_estimates(rloo_advantages(r), score[draws])
        plain = policy_gradient_estimates(r, score[draws])
        # 1. Both estimators are unbiased: the Monte Carlo mean is within 4 standard errors of the exact gradient.
        for est in (rloo, plain):
            se = est.std(0) / groups**0.5
            assert ((est.mean(0) - exact).abs() <= 4 * se + 1e-12).all()
        if offset == 0.0:
            rloo_at_0, plain_var_0 = rloo, plain.var(0).sum()
        else:
            # 2. RLOO is exactly blind to the offset: the same draws give the same estimates ...
            assert torch.allclose(rloo, rloo_at_0, atol=1e-9)
            # ... while plain REINFORCE's variance explodes with it (more than 20x here).
            assert plain.var(0).sum() > 20 * plain_var_0
            # 3. And at offset 10 RLOO's variance is over 20x smaller than plain REINFORCE's.
            assert rloo.var(0).sum() < plain.var(0).sum() / 20
    print("RLOO: unbiased by Monte Carlo on a sequence policy; estimates identical under a reward offset")


if __name__ == "__main__":
    main()
