"""Q47 · Outcome-reward RL amplifies behaviours the base model already samples: pass@1 up, pass@k at large k down.

With only a final-answer reward, the policy gradient raises the probability of whatever sampled
behaviour led to correct answers. It cannot reward a behaviour that is never sampled. Two findings make
this concrete for R1-style training: self-reflection ("aha" moments) already appears in base models,
including DeepSeek-V3-Base (Liu et al. 2025, arXiv:2503.20783, §2.3), and RLVR-trained models beat their
base models at pass@1 while the base models achieve higher pass@k at large k (Yue et al. 2025,
arXiv:2504.13837).

The toy: 50 problems and four solution strategies shared across problems — answer directly, guess,
reflect-and-check, and a rare special trick that alone solves the 10 hardest problems. The base policy
samples every strategy; GRPO with a correct/incorrect reward concentrates it on reflect-and-check, which
solves most problems, and starves the rare trick. pass@k is computed exactly, 1 − (1 − p_x)^k, and with the
unbiased estimator of Chen et al. (2021, arXiv:2107.03374, eq. 1) used by Yue et al.

Run: ``python -m snippets.q47_reasoning_without_supervision``
"""

from __future__ import annotations

import math

import torch

from snippets.q12_grpo import group_advantages, grpo_loss

STRATEGIES = ("direct", "guess", "reflect", "trick")


def pass_at_k(n: int, c: torch.Tensor, k: int) -> torch.Tensor:
    """Unbiased pass@k from n samples of which c are correct (Chen et al. 2021, eq. 1).

    pass@k = 1 − C(n − c, k) / C(n, k), computed as 1 − Π_{i=n−c+1}^{n} (1 − k/i) to avoid huge binomials.

    Args:
        n: samples drawn per problem.
        c: number correct per problem, integer tensor of any shape, 0 ≤ c ≤ n.
        k: 1 ≤ k ≤ n.

    Returns:
        estimate per problem, same shape as ``c``, float64.
    """
    if not 1 <= k <= n or (c < 0).any() or (c > n).any():
        raise ValueError(f"need 1 <= k <= n and 0 <= c <= n, got n={n}, k={k}, c in [{c.min().item()}, {c.max().item()}]")
    i = torch.arange(1, n + 1, dtype=torch.float64)
    factors = (1 - k / i).clamp_min(0)  # factor for i ≤ k is ≤ 0: then some k-subset must contain a correct sample
    in_range = i[None, :] > (n - c.reshape(-1, 1))  # i ∈ {n − c + 1, …, n}
    # 1 − C(n−c, k)/C(n, k) = 1 − Π_{i=n−c+1}^{n} (1 − k/i)
    prod = torch.where(in_range, factors[None, :], torch.ones_like(factors)[None, :]).prod(dim=1)
    return (1 - prod).reshape(c.shape)


def exact_pass_at_k(p: torch.Tensor, k: int) -> torch.Tensor:
    """pass@k of a problem solved with probability p per independent sample: 1 − (1 − p)^k, any shape."""
    # pass@k = 1 − (1 − p)^k
    return 1 - (1 - p) ** k


def solve_rates(strategy_logits: torch.Tensor, solves: torch.Tensor) -> torch.Tensor:
    """p_x = Σ_s π(s) · 1[s solves x]: logits (S,), solves (S, M) → (M,)."""
    if solves.dim() != 2 or strategy_logits.shape != solves.shape[:1]:
        raise ValueError(f"need logits (S,) and solves (S, M), got {tuple(strategy_logits.shape)} and {tuple(solves.shape)}")
    return torch.softmax(strategy_logits, -1) @ solves


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    m = 50
    solves = torch.zeros(len(STRATEGIES), m, dtype=torch.float64)
    solves[0, :30] = 1  # direct: the 30 easiest
    solves[1, 0:40:5] = 1  # guess: a few easy ones
    solves[2, :40] = 1  # reflect-and-check: everything but the 10 hardest
    solves[3, :10] = 1  # trick: a few easy ones ...
    solves[3, 40:] = 1  # ... and the only strategy that solves the 10 hardest
    base = torch.tensor([0.5, 0.2, 0.15, 0.15], dtype=torch.float64).log()  # reflection is already there, at 15 %

    # GRPO with an outcome reward: sample G strategies per problem, reward 1 if it solves the problem.
    logits = base.clone().requires_grad_(True)
    opt = torch.optim.Adam([logits], lr=0.05)
    n_prob, group = 16, 8
    for _ in range(300):
        with torch.no_grad():
            x = torch.randint(0, m, (n_prob,), generator=gen).repeat_interleave(group)
            s = torch.multinomial(torch.softmax(logits, -1), n_prob * group, replacement=True, generator=gen)
            rewards = solves[s, x].reshape(n_prob, group)
        logp = torch.log_softmax(logits, -1)[s][:, None]  # one token per response: the strategy, shape (B, 1)
        loss = grpo_loss(logp, logp.detach(), logp.detach(), group_advantages(rewards).reshape(-1), torch.ones_like(logp), beta=0.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    trained = logits.detach()

    p_base, p_rl = solve_rates(base, solves), solve_rates(trained, solves)
    pk = {k: (exact_pass_at_k(p_base, k).mean().item(), exact_pass_at_k(p_rl, k).mean().item()) for k in (1, 4, 16, 64, 256)}
    # 1. RL amplifies a behaviour the base model already had: reflect-and-check goes from 15 % to dominant.
    assert torch.softmax(trained, -1)[2] > 0.9
    # 2. pass@1 rises a lot ...
    assert pk[1][1] > pk[1][0] + 0.2, pk
    # 3. ... but at large k the base model solves more problems: RL narrowed the set it samples from.
    assert pk[256][0] > pk[256][1] + 0.1, pk
    assert (p_rl[40:] < p_base[40:]).all()  # the hard problems became *less* reachable

    # 4. The unbiased estimator: averaged over c ~ Binomial(n, p), it equals 1 − (1 − p)^k exactly.
    n, k, p = 20, 5, 0.3
    c = torch.arange(n + 1)
    pmf = torch.tensor([math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)], dtype=torch.float64)
    assert torch.isclose((pmf * pass_at_k(n, c, k)).sum(), exact_pass_at_k(torch.tensor(p, dtype=torch.float64), k))
    assert pass_at_k(n, torch.tensor([n - k + 1]), k).item() == 1.0  # fewer than k wrong: every k-subset has a correct one
    print(" ".join(f"pass@{k}: base {b:.2f} RL {r:.2f} |" for k, (b, r) in pk.items()))


if __name__ == "__main__":
    main()
