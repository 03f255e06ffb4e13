"""Q73 · Process vs outcome rewards as RL signals: how each turns into per-token advantages in GRPO.

DeepSeekMath (Shao et al. 2024, arXiv:2402.03300, §4.1.2–4.1.3) trains GRPO with either kind of reward.

  Outcome supervision: one reward r_i per output; every token gets Â_{i,t} = r̃_i = (r_i − mean(r)) / std(r).
  Process supervision: a reward r_i^{(j)} at the end of each reasoning step j (from a process reward
  model); all step rewards of the group are normalised together, r̃_i^{(j)} = (r_i^{(j)} − mean(R)) / std(R),
  and a token's advantage is the sum of the normalised rewards of its own step and every later step:

      Â_{i,t} = Σ_{index(j) ≥ t} r̃_i^{(j)}.

So outcome rewards give every step of a solution the same credit — including a wrong step inside a
solution that happens to end correctly — while process rewards localise credit to steps.
(As *verifiers* for best-of-N, which is what PRM800K compared, see Q34.)

Run: ``python -m snippets.q73_process_vs_outcome_rewards``
"""

from __future__ import annotations

import torch

from snippets.q12_grpo import group_advantages


def process_advantages(step_rewards: torch.Tensor, reward_mask: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """DeepSeekMath's process-supervision advantages, one value per step (tokens of a step share it).

    Args:
        step_rewards: reward at the end of each step, shape (N, G, S): N prompts, G outputs, S steps.
        reward_mask: True where a step carries a reward, shape (N, G, S). Steps without a reward (and
            padding after the last step) contribute nothing to the normalisation or to the sums.
        eps: added to the group std so that a group of equal rewards gets 0, not NaN.

    Returns:
        advantages, shape (N, G, S): each step gets the sum of the normalised rewards at or after it,
        so padding after an output's last rewarded step gets 0.
    """
    if step_rewards.shape != reward_mask.shape or step_rewards.dim() != 3:
        raise ValueError(f"step_rewards and reward_mask must both have shape (N, G, S), got {tuple(step_rewards.shape)} and {tuple(reward_mask.shape)}")
    m = reward_mask.to(step_rewards.dtype)
    count = m.sum(dim=(1, 2), keepdim=True).clamp_min(1)
    mean = (step_rewards * m).sum(dim=(1, 2), keepdim=True) / count
    # sample std over all step rewards R of the group (same convention as Q12's group_advantages)
    std = (((step_rewards - mean) ** 2 * m).sum(dim=(1, 2), keepdim=True) / (count - 1).clamp_min(1)).sqrt()
    # r̃ = (r − mean(R)) / (std(R) + eps), zero where there is no reward
    normalised = (step_rewards - mean) / (std + eps) * m
    # Â(step s) = Σ_{s' ≥ s} r̃(s'): a reversed cumulative sum over steps
    return normalised.flip(-1).cumsum(-1).flip(-1)


def main() -> None:
    torch.manual_seed(0)
    n, g, s = 5, 6, 4
    dt = torch.float64

    # 1. Outcome supervision is the special case with a reward only on the last step: every step's
    #    advantage equals GRPO's outcome advantage (r − mean)/std from Q12.
    final = torch.randn(n, g, dtype=dt)
    rewards = torch.zeros(n, g, s, dtype=dt)
    rewards[..., -1] = final
    last_only = torch.zeros(n, g, s, dtype=torch.bool)
    last_only[..., -1] = True
    adv = process_advantages(rewards, last_only)
    assert torch.allclose(adv, group_advantages(final).unsqueeze(-1).expand(n, g, s), atol=1e-12)

    # 2. Credit assignment. Output 0 reaches the right answer through a wrong step 2; outputs 1-3 are
    #    fully right; 4-5 go wrong at step 1. Step rewards: 1 = step judged correct, 0 = wrong.
    steps = torch.tensor([[1, 0, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=dt)
    outcome = torch.tensor([1, 1, 1, 1, 0, 0], dtype=dt)  # final answers: output 0 is "correct"
    a_out = group_advantages(outcome.unsqueeze(0))[0]
    a_proc = process_advantages(steps.unsqueeze(0), torch.ones(1, g, s, dtype=torch.bool))[0]
    # Outcome: output 0's flawed solution is rewarded exactly like the flawless ones, on every step.
    assert torch.isclose(a_out[0], a_out[1]) and a_out[0] > 0
    # Process: the flawed output gets less credit than a flawless one from the flawed step on ...
    assert (a_proc[0, :2] < a_proc[1, :2] - 0.5).all()
    # ... and within output 0 the wrong step (index 1) scores below the correct step after it.
    assert a_proc[0, 1] < a_proc[0, 2]

    # 3. A group whose step rewards are all equal gets advantage 0 everywhere (no NaN).
    flat = process_advantages(torch.ones(1, g, s, dtype=dt), torch.ones(1, g, s, dtype=torch.bool))
    assert torch.isfinite(flat).all() and (flat == 0).all()
    print("outcome reward = same credit for every step; process reward = suffix sums of normalised step rewards")


if __name__ == "__main__":
    main()
