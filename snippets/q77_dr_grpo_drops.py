"""Q77 · Dr. GRPO drops two normalisers (1/|o_i| and 1/std) — and with the std, GRPO's reward-scale invariance.

Dr. GRPO (Liu et al. 2025, arXiv:2503.20783, §3.2) removes from GRPO (DeepSeekMath eq. 3)
  1. the per-response length normaliser 1/|o_i| (tokens are summed and divided by a constant budget), and
  2. the advantage's division by std(R) (advantage R_i − mean(R)),
which remove a response-length bias and a question-difficulty bias (both checked in Q50, whose
``dr_grpo_loss`` is imported here).

The facet checked here is what the second removal gives up. GRPO's advantage (R − mean)/std is invariant
to any affine change of the reward, a·R + b with a > 0: the reward's unit never matters. Dr. GRPO's
advantage R − mean is invariant to the shift b but scales with a, so its gradient — the effective
learning rate — scales with the reward's unit, and a prompt's weight now depends on its reward spread.

Run: ``python -m snippets.q77_dr_grpo_drops``
"""

from __future__ import annotations

import torch

from snippets.q12_grpo import group_advantages, grpo_loss
from snippets.q50_dr_grpo import dr_grpo_loss


def affine_reward(rewards: torch.Tensor, scale: float, shift: float) -> torch.Tensor:
    """a·R + b, the same preference order for any a > 0 (e.g. a verifier scoring 0/1 vs 0/10, or ±1)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive to keep the reward order, got {scale}")
    # R' = a R + b
    return scale * rewards + shift


def main() -> None:
    torch.manual_seed(0)
    n, g, t = 4, 8, 10
    dt = torch.float64
    rewards = torch.bernoulli(torch.full((n, g), 0.4, dtype=dt))
    rewards[0, :2], rewards[0, 2:] = 1.0, 0.0  # make every group informative
    rewards[1:, 0] = 1.0 - rewards[1:, 1]
    logp = -torch.rand(n * g, t, dtype=dt)
    mask = torch.ones(n * g, t, dtype=dt)

    def grad_of(loss_fn, r: torch.Tensor) -> torch.Tensor:
        lp = logp.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(lp, r), lp)
        return grad

    grpo = lambda lp, r: grpo_loss(lp, lp.detach(), lp.detach(), group_advantages(r).reshape(-1), mask, beta=0.0)  # noqa: E731
    dr = lambda lp, r: dr_grpo_loss(lp, lp.detach(), r, mask, max_tokens=t)  # noqa: E731

    for a, b in ((10.0, 0.0), (2.0, -1.0), (0.5, 5.0)):  # e.g. 0/10 instead of 0/1, or ±1 instead of 0/1
        r2 = affine_reward(rewards, a, b)
        # 1. GRPO: advantages and gradients unchanged by any a·R + b (up to the eps in the std).
        assert torch.allclose(group_advantages(r2), group_advantages(rewards), rtol=1e-3, atol=1e-6)
        assert torch.allclose(grad_of(grpo, r2), grad_of(grpo, rewards), rtol=1e-3, atol=1e-9)
        # 2. Dr. GRPO: the shift cancels, the scale does not — gradient multiplied by exactly a.
        assert torch.allclose(group_advantages(r2, scale_by_std=False), a * group_advantages(rewards, scale_by_std=False))
        assert torch.allclose(grad_of(dr, r2), a * grad_of(dr, rewards), atol=1e-12)

    # 3. Per prompt, Dr. GRPO's advantage mass follows the group's reward spread; GRPO's is normalised away.
    #    Scaling ONE prompt's rewards by 10 makes that prompt 10x louder under Dr. GRPO only.
    loud = rewards.clone()
    loud[0] *= 10
    mass = lambda adv: adv.abs().sum(dim=1)  # noqa: E731
    assert torch.allclose(mass(group_advantages(loud, scale_by_std=False))[0], 10 * mass(group_advantages(rewards, scale_by_std=False))[0])
    assert torch.allclose(mass(group_advantages(loud))[0], mass(group_advantages(rewards))[0], rtol=1e-3)
    print("GRPO advantages are invariant to a*R+b; Dr. GRPO's scale with a: dropping the std makes the reward unit a learning rate")


if __name__ == "__main__":
    main()
