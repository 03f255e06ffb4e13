"""Q59 · NLHF: when preferences are intransitive, learn the Nash equilibrium of the preference game.

Munos et al. 2023 (arXiv:2312.00886). Instead of a reward r(y) with p(y ≻ y') = σ(r(y) − r(y')) (Bradley–Terry,
which forces transitivity), keep the pairwise preference P(y ≻ y') itself and look for the policy π* that no
other policy beats:  π* = argmax_π min_π' P(π ≻ π'),  with P(π ≻ π') = Σ_{y,y'} π(y) π'(y') P(y ≻ y').

On rock–paper–scissors preferences no Bradley–Terry score fits, and the Nash equilibrium is the uniform
mixture. Plain multiplicative weights (mirror descent with an entropy mirror map) converges only *on average*;
its last iterate keeps cycling. Nash-MD regularises towards a reference μ and mixes geometrically,
π_t^μ ∝ π_t^(1−ητ) μ^(ητ), π_{t+1} ∝ π_t^μ exp(η P(· ≻ π_t^μ)), and its *last* iterate converges to the
τ-regularised equilibrium.

Run: ``python -m snippets.q59_nlhf``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _check(pref: torch.Tensor, *pis: torch.Tensor) -> None:
    if pref.dim() != 2 or pref.shape[0] != pref.shape[1]:
        raise ValueError(f"pref must be a square (K, K) matrix, got {tuple(pref.shape)}")
    for pi in pis:
        if pi.shape != pref.shape[:1]:
            raise ValueError(f"policies must have shape ({pref.shape[0]},), got {tuple(pi.shape)}")


def preference(pi: torch.Tensor, pi_other: torch.Tensor, pref: torch.Tensor) -> torch.Tensor:
    """P(π ≻ π') = Σ_{y,y'} π(y) π'(y') P(y ≻ y'), a scalar.

    Args:
        pi: a distribution over K responses, shape (K,).
        pi_other: another distribution over the same K responses, shape (K,).
        pref: P[y, y'] = probability that y is preferred to y', shape (K, K), with P + Pᵀ = 1.
    """
    _check(pref, pi, pi_other)
    # P(π ≻ π') = πᵀ P π'
    return pi @ pref @ pi_other


def exploitability(pi: torch.Tensor, pref: torch.Tensor) -> torch.Tensor:
    """How much the best response beats π: max_y P(y ≻ π) − 1/2, a scalar ≥ 0; 0 exactly at a Nash equilibrium."""
    _check(pref, pi)
    # max_y Σ_y' P(y ≻ y') π(y') − 1/2
    return (pref @ pi).max() - 0.5


def fit_bradley_terry(pref: torch.Tensor, steps: int = 500, lr: float = 0.5) -> torch.Tensor:
    """Maximum-likelihood Bradley–Terry scores for a full preference matrix, shape (K,), centred at 0.

    Minimises −Σ_{y≠y'} P(y ≻ y') log σ(s_y − s_y') by gradient descent (the problem is convex).
    """
    _check(pref)
    k = pref.shape[0]
    s = torch.zeros(k, dtype=pref.dtype, requires_grad=True)
    off = 1 - torch.eye(k, dtype=pref.dtype)
    for _ in range(steps):
        # NLL = −Σ_{y≠y'} P(y ≻ y') log σ(s_y − s_y')
        nll = -(pref * F.logsigmoid(s[:, None] - s[None, :]) * off).sum()
        (g,) = torch.autograd.grad(nll, s)
        with torch.no_grad():
            s -= lr * g
    return (s - s.mean()).detach()


def mirror_descent_step(pi: torch.Tensor, pref: torch.Tensor, eta: float) -> torch.Tensor:
    """One multiplicative-weights (entropic mirror descent) self-play step: π' ∝ π exp(η P(· ≻ π)), shape (K,)."""
    _check(pref, pi)
    # log π'(y) = log π(y) + η P(y ≻ π) − log Z
    return torch.softmax(torch.log(pi) + eta * (pref @ pi), dim=-1)


def nash_md_step(pi: torch.Tensor, mu: torch.Tensor, pref: torch.Tensor, eta: float, tau: float) -> torch.Tensor:
    """One Nash-MD step (Munos et al. 2023), shape (K,).

    π^μ ∝ π^(1−ητ) μ^(ητ) (geometric mixture with the reference μ), then π' ∝ π^μ exp(η P(· ≻ π^μ)).
    Needs 0 < ητ ≤ 1.
    """
    _check(pref, pi, mu)
    if not 0 < eta * tau <= 1:
        raise ValueError(f"need 0 < eta*tau <= 1, got {eta * tau}")
    # log π^μ = (1 − ητ) log π + ητ log μ − log Z
    mix = torch.softmax((1 - eta * tau) * torch.log(pi) + eta * tau * torch.log(mu), dim=-1)
    # log π' = log π^μ + η P(y ≻ π^μ) − log Z'
    return torch.softmax(torch.log(mix) + eta * (pref @ mix), dim=-1)


def main() -> None:
    torch.manual_seed(0)
    f64 = dict(dtype=torch.float64)
    p = 0.9  # rock beats scissors, scissors beats paper, paper beats rock, each 90% of the time
    rps = torch.tensor([[0.5, p, 1 - p], [1 - p, 0.5, p], [p, 1 - p, 0.5]], **f64)  # order: R, S, P
    assert torch.allclose(rps + rps.T, torch.ones(3, 3, **f64))

    # 1. No Bradley–Terry score fits a cycle. The MLE puts every score equal and predicts 0.5 for every pair
    #    (errors of 0.4), giving RLHF a flat reward; the true model is far more likely.
    s = fit_bradley_terry(rps)
    bt = torch.sigmoid(s[:, None] - s[None, :])
    off = 1 - torch.eye(3, **f64)
    assert torch.allclose(s, torch.zeros(3, **f64), atol=1e-8)
    assert ((bt - rps).abs() * off).max() > 0.39
    nll_bt = -(rps * torch.log(bt) * off).sum() / 3  # per comparison (3 unordered pairs)
    nll_true = -(rps * torch.log(rps) * off).sum() / 3
    assert nll_bt - nll_true > 0.3

    # 2. The Nash equilibrium is uniform: it is unexploitable and wins exactly half against every policy.
    uniform = torch.full((3,), 1 / 3, **f64)
    assert exploitability(uniform, rps).abs() < 1e-15
    others = torch.distributions.Dirichlet(torch.ones(3, **f64)).sample((200,))
    assert all(abs(preference(uniform, q, rps).item() - 0.5) < 1e-12 for q in others)
    assert torch.isclose(exploitability(torch.tensor([1.0, 0.0, 0.0], **f64), rps), torch.tensor(p - 0.5, **f64))

    # 3. Multiplicative weights in self-play: the *average* iterate converges to the equilibrium, the *last*
    #    iterate does not (it keeps circling, exploitable by > 0.05 at every one of the final 500 steps).
    eta, steps = 0.1, 2000
    pi = torch.tensor([0.6, 0.3, 0.1], **f64)
    total = torch.zeros(3, **f64)
    last_expl = []
    for _ in range(steps):
        total += pi
        pi = mirror_descent_step(pi, rps, eta)
        last_expl.append(exploitability(pi, rps).item())
    assert exploitability(total / steps, rps) < 0.01
    assert min(last_expl[-500:]) > 0.05

    # 4. Nash-MD (τ > 0, μ uniform): the last iterate itself converges to the equilibrium.
    pi = torch.tensor([0.6, 0.3, 0.1], **f64)
    for _ in range(steps):
        pi = nash_md_step(pi, uniform, rps, eta, tau=0.1)
    assert exploitability(pi, rps) < 1e-8 and torch.allclose(pi, uniform, atol=1e-8)

    # 5. Unequal cycle (R≻S 0.9, S≻P 0.8, P≻R 0.7): Bradley–Terry ranks R first, so a reward-maximising policy
    #    plays R and is beaten by P 70% of the time; the equilibrium ∝ (0.3, 0.2, 0.4) mixes all three.
    a, b, c = 0.4, 0.3, 0.2
    cyc3 = 0.5 + torch.tensor([[0, a, -c], [-a, 0, b], [c, -b, 0]], **f64)
    assert fit_bradley_terry(cyc3).argmax().item() == 0
    assert torch.isclose(exploitability(torch.tensor([1.0, 0.0, 0.0], **f64), cyc3), torch.tensor(0.2, **f64))
    nash = torch.tensor([b, c, a], **f64) / (a + b + c)
    assert exploitability(nash, cyc3).abs() < 1e-15
    pi, total = torch.tensor([0.6, 0.3, 0.1], **f64), torch.zeros(3, **f64)
    for _ in range(steps):
        total += pi
        pi = mirror_descent_step(pi, cyc3, eta)
    assert (total / steps - nash).abs().max() < 0.02
    print(f"BT fits RPS with equal scores (error 0.4); MW average -> uniform, last iterate exploitable by {last_expl[-1]:.2f}; Nash-MD last iterate -> uniform")


if __name__ == "__main__":
    main()
