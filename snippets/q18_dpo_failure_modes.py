"""Q18 · When DPO fails: deterministic preferences and likelihood displacement.

1. Near-deterministic preferences (Azar et al. 2023, arXiv:2310.12036). If y_w always beats y_l, the
   Bradley–Terry reward gap that explains the data is infinite, so the DPO loss −log σ(margin) has no
   finite minimiser: gradient descent keeps raising the margin, π(y_l) → 0 whatever β is, and the gradient
   *vanishes* by sigmoid saturation (it does not blow up). With a preference probability p < 1 the margin
   instead converges to log(p/(1−p)).
2. Likelihood displacement (Pal et al. 2024, arXiv:2402.13228; Razin et al. 2024, arXiv:2410.08847). With
   parameters shared between responses, raising the margin can lower log π(y_w) *and* log π(y_l) together,
   sending the mass to a third response that is in no pair.

Run: ``python -m snippets.q18_dpo_failure_modes``
"""

from __future__ import annotations

from typing import Callable

import torch

from snippets.q14_dpo_derivation import dpo_loss, implicit_reward


def train_one_pair(
    logits_fn: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor, ref_logp: torch.Tensor, w: int, l: int, p: float, beta: float, steps: int, lr: float
) -> dict[str, torch.Tensor]:
    """Gradient descent on the expected DPO loss of one pair labelled y_w ≻ y_l with probability p.

    Args:
        logits_fn: maps the parameters θ to the policy's log-probabilities over K responses, shape (K,).
        theta: initial parameters (any shape); a trained copy is made.
        ref_logp: log π_ref, shape (K,).
        w: index of the response labelled y_w with probability p.
        l: index of the other response.
        p: probability that w is preferred, in [0.5, 1].
        beta: DPO's β.
        steps: number of gradient-descent steps.
        lr: step size.

    Returns:
        per-step histories: ``margin`` (steps,), ``grad_norm`` (steps,), ``logp`` (steps, K).
    """
    if not 0.5 <= p <= 1.0:
        raise ValueError(f"p must be in [0.5, 1], got {p}")
    theta = theta.clone().requires_grad_(True)
    margins, grads, logps = [], [], []
    for _ in range(steps):
        logp = logits_fn(theta)
        lw, ll = logp[w : w + 1], logp[l : l + 1]
        rw, rl = ref_logp[w : w + 1], ref_logp[l : l + 1]
        # E[loss] = p · ℓ(y_w ≻ y_l) + (1 − p) · ℓ(y_l ≻ y_w)
        loss = p * dpo_loss(lw, ll, rw, rl, beta) + (1 - p) * dpo_loss(ll, lw, rl, rw, beta)
        (g,) = torch.autograd.grad(loss.sum(), theta)
        with torch.no_grad():
            margins.append((implicit_reward(lw, rw, beta) - implicit_reward(ll, rl, beta)).squeeze())
            grads.append(g.norm())
            logps.append(logp.detach())
            theta -= lr * g
    return {"margin": torch.stack(margins), "grad_norm": torch.stack(grads), "logp": torch.stack(logps)}


def main() -> None:
    torch.manual_seed(0)
    dt = torch.float64
    k = 5
    ref_logp = torch.log_softmax(torch.randn(k, dtype=dt), -1)
    tabular = lambda theta: torch.log_softmax(theta, -1)  # noqa: E731 — one free logit per response

    # 1a. Deterministic preference: the margin rises at every step with no limit; the gradient dies out.
    runs = {beta: train_one_pair(tabular, ref_logp.clone(), ref_logp, 0, 1, 1.0, beta, 200, 4.0 / beta**2) for beta in (0.1, 1.0)}
    for beta, h in runs.items():
        m = h["margin"]
        assert (m[1:] > m[:-1]).all()  # never stops increasing
        assert m[-1] - m[len(m) // 2] > 0.5  # still growing (≈ log t): no finite optimum
        assert h["grad_norm"][-1] < 1e-2 * h["grad_norm"][0]  # vanishing, not exploding
        # The β-KL anchor is ignored: π(y_l) is driven towards 0 for small and large β alike.
        assert h["logp"][-1, 1] - ref_logp[1] < -5.0

    # 1b. Stochastic preference p = 0.9: the same procedure stops at the finite margin log(p/(1−p)).
    h = train_one_pair(tabular, ref_logp.clone(), ref_logp, 0, 1, 0.9, 0.1, 200, 4.0 / 0.1**2)
    target = torch.log(torch.tensor(0.9 / 0.1, dtype=dt))
    assert (h["margin"][-1] - target).abs() < 1e-6
    assert runs[0.1]["margin"][-1] > target + 3

    # 2. Likelihood displacement. Log-linear policy log π_θ(y) = log π_ref(y) + θ·φ(y) − log Z with one shared
    #    feature: φ(y_w) = 1, φ(y_l) = 0, and a third response y_3 with φ = 2 that is in no pair.
    phi = torch.tensor([1.0, 0.0, 2.0, -1.0, 0.5], dtype=dt)
    shared = lambda theta: torch.log_softmax(ref_logp + theta * phi, -1)  # noqa: E731
    h = train_one_pair(shared, torch.zeros((), dtype=dt), ref_logp, 0, 1, 1.0, 1.0, 100, 4.0)
    final = h["logp"][-1]
    assert h["margin"][-1] > 3.0  # the preference is learned...
    assert h["logp"][:, 0].max() > ref_logp[0] + 0.2  # log π(y_w) first rises,
    assert final[0] < ref_logp[0] - 1.0  # ...then ends *below* where it started,
    assert final[1] < ref_logp[1] - 1.0  # the rejected one falls too,
    assert final[2].exp() > 0.8  # and the mass went to a response that was never labelled.
    print(f"p=1: margin {runs[0.1]['margin'][-1].item():.2f} and rising, grad {runs[0.1]['grad_norm'][-1].item():.1e}; "
          f"p=0.9: margin -> {target.item():.3f}; displacement: dlog pi(y_w) = {(final[0] - ref_logp[0]).item():.2f}")


if __name__ == "__main__":
    main()
