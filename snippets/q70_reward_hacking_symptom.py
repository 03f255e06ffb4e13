"""Q70 · The reward-hacking symptom, seen from the policy's own samples: proxy and gold stop agreeing.

The signature (Gao, Schulman & Hilton 2022, arXiv:2210.10760) is a proxy reward that keeps rising while
the gold (human) reward peaks and falls. Along the KL-regularised path π_t ∝ π_ref exp(t r̂), t = 1/β,
the exact derivatives say when each happens:

    d/dt E_{π_t}[r̂]  = Var_{π_t}(r̂) ≥ 0,          d/dt E_{π_t}[r*] = Cov_{π_t}(r*, r̂).

So the gold reward turns down exactly when, ON THE CURRENT POLICY'S SAMPLES, the proxy and the gold
become negatively correlated. That is checkable with a few hundred human (or strong-judge) labels on
fresh samples: the rank of "RM score vs human score" among today's outputs collapses and flips sign,
even though the reward model was accurate on the reference policy's outputs. The toy is Q30's
Goodhart bandit (proxy over-rewards length and adds noise).

Run: ``python -m snippets.q70_reward_hacking_symptom``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q30_overoptimization import goodhart_bandit


def onpolicy_cov_corr(pi: torch.Tensor, gold: torch.Tensor, proxy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Covariance and correlation of gold and proxy rewards under the policy's own distribution.

    Args:
        pi: policy probabilities, shape (K,).
        gold: true reward r*(y), shape (K,).
        proxy: optimised reward r̂(y), shape (K,).

    Returns:
        (Cov_π(r*, r̂), Corr_π(r*, r̂)), scalars.
    """
    if not (pi.shape == gold.shape == proxy.shape) or pi.dim() != 1:
        raise ValueError(f"pi, gold and proxy must share one shape (K,), got {tuple(pi.shape)}, {tuple(gold.shape)}, {tuple(proxy.shape)}")
    dg, dp = gold - (pi * gold).sum(), proxy - (pi * proxy).sum()
    # Cov_π(r*, r̂) = E_π[(r* − E r*)(r̂ − E r̂)]
    cov = (pi * dg * dp).sum()
    # Corr = Cov / (sd_π(r*) sd_π(r̂)), denominators clamped
    corr = cov / ((pi * dg**2).sum() * (pi * dp**2).sum()).sqrt().clamp_min(1e-300)
    return cov, corr


def main() -> None:
    torch.manual_seed(0)
    toy = goodhart_bandit()
    ts = torch.linspace(0.05, 4.0, 80, dtype=torch.float64)

    # 1. Exact derivative: d/dt E_{π_t}[r*] = Cov_{π_t}(r*, r̂), checked against autograd at several t.
    for t0 in (0.5, 1.5, 3.0):
        t = torch.tensor(t0, dtype=torch.float64, requires_grad=True)
        pi_t = torch.softmax(toy.pi_ref.log() + t * toy.proxy, -1)
        (grad,) = torch.autograd.grad((pi_t * toy.gold).sum(), t)
        cov, _ = onpolicy_cov_corr(pi_t.detach(), toy.gold, toy.proxy)
        assert torch.allclose(grad, cov, rtol=1e-9)

    # 2. Along the path the proxy rises at every step; the gold rises while the on-policy covariance is
    #    positive and falls once it is negative: the turn is where proxy and gold stop agreeing.
    pis = torch.stack([optimal_policy(toy.pi_ref, toy.proxy, 1 / t.item()) for t in ts])
    proxy_curve, gold_curve = pis @ toy.proxy, pis @ toy.gold
    cov, corr = map(torch.stack, zip(*(onpolicy_cov_corr(p, toy.gold, toy.proxy) for p in pis)))
    assert (proxy_curve.diff() > 0).all()
    peak = int(gold_curve.argmax())
    assert 0 < peak < len(ts) - 1 and gold_curve[peak] - gold_curve[-1] > 1.0
    assert (cov[:peak] > 0).all() and (cov[peak + 1 :] < 0).all()

    # 3. The symptom you can measure: label 400 fresh samples with the gold judge and correlate them with
    #    the reward model. Strongly positive on the reference policy, negative once hacking has set in.
    def sampled_corr(pi: torch.Tensor) -> torch.Tensor:
        y = torch.multinomial(pi, 400, replacement=True)
        return torch.corrcoef(torch.stack([toy.gold[y], toy.proxy[y]]))[0, 1]

    assert corr[0] > 0.6 and sampled_corr(pis[0]) > 0.5
    assert corr[-1] < -0.3 and sampled_corr(pis[-1]) < -0.15
    print("d/dt E[gold] = Cov(gold, proxy) on-policy; the gold peaks where that covariance changes sign")


if __name__ == "__main__":
    main()
