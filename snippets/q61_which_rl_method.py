"""Q61 · DAPO, Dr. GRPO, RLOO or PPO: the same group of rollouts through four advantage estimators.

The four methods share the clipped policy-gradient machinery (or plain REINFORCE for RLOO) and differ in
where the baseline comes from and how the update is normalised:

    PPO       Â_t = GAE(r, V_ψ)  — a learned per-token baseline; works with one sample per prompt
              (Schulman et al. 2017, arXiv:1707.06347; with γ = λ = 1 and a terminal reward, Â_t = R − V(s_t)).
    RLOO      A_i = r_i − mean_{j≠i} r_j = G/(G − 1)·(r_i − mean r)    (Ahmadian et al. 2024, arXiv:2402.14740)
    Dr. GRPO  A_i = r_i − mean r, tokens summed over a constant budget   (Liu et al. 2025, arXiv:2503.20783)
    DAPO      A_i = (r_i − mean r)/std r, token-mean loss, groups with std r = 0 resampled
              (Yu et al. 2025, arXiv:2503.14476)

Group baselines need G ≥ 2 samples per prompt and give zero signal on groups whose rewards are all equal;
DAPO pays extra generation to replace those groups; PPO pays a critic instead.

Run: ``python -m snippets.q61_which_rl_method``
"""

from __future__ import annotations

import torch

from snippets.q10_value_function import gae
from snippets.q12_grpo import aggregate, group_advantages
from snippets.q13_when_grpo import zero_signal_probability
from snippets.q51_rloo import rloo_advantages


def advantages_by_method(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """Advantages that PPO, RLOO, Dr. GRPO and GRPO/DAPO assign to one group of G responses to one prompt.

    Args:
        rewards: terminal reward of each response, shape (G,), G ≥ 2.
        values: the critic's V(s_t) before each token of each response, shape (G, T) (PPO only).
        mask: 1 for response tokens, 0 for padding, shape (G, T).

    Returns:
        ``ppo``: per-token GAE advantages with γ = λ = 1, shape (G, T);
        ``rloo``, ``dr_grpo``, ``grpo`` (also DAPO's): one advantage per response, shape (G,).
    """
    if rewards.dim() != 1 or values.shape != mask.shape or values.shape[0] != rewards.shape[0]:
        raise ValueError(f"need rewards (G,), values and mask (G, T); got {tuple(rewards.shape)}, {tuple(values.shape)}, {tuple(mask.shape)}")
    # PPO: the reward arrives on the last valid token; Â_t = Σ_l δ_{t+l} = R − V(s_t) for γ = λ = 1
    last = (mask.cumsum(1) == mask.sum(1, keepdim=True)) & (mask > 0)
    token_rewards = torch.where(last, rewards[:, None].expand_as(values), torch.zeros_like(values))
    ppo, _ = gae(token_rewards, values, mask, gamma=1.0, lam=1.0)
    group = rewards[None, :]
    return {
        "ppo": ppo,
        # RLOO: A_i = r_i − mean_{j≠i} r_j
        "rloo": rloo_advantages(group)[0],
        # Dr. GRPO: A_i = r_i − mean(r)
        "dr_grpo": group_advantages(group, scale_by_std=False)[0],
        # GRPO and DAPO: A_i = (r_i − mean(r)) / (std(r) + ε), ε = 1e-4 so an all-equal group gives 0
        "grpo": group_advantages(group)[0],
    }


def main() -> None:
    torch.manual_seed(0)
    f64 = dict(dtype=torch.float64)
    g, t = 8, 12
    rewards = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], **f64)  # 2 of 8 correct
    lengths = torch.tensor([3, 12, 5, 9, 12, 2, 7, 12])
    mask = (torch.arange(t)[None, :] < lengths[:, None]).to(torch.float64)

    # 1. Same group, four estimators. RLOO is Dr. GRPO scaled by G/(G − 1); GRPO/DAPO divide by the group std.
    flat_critic = torch.full((g, t), rewards.mean().item(), **f64)
    adv = advantages_by_method(rewards, flat_critic, mask)
    assert torch.allclose(adv["rloo"], g / (g - 1) * adv["dr_grpo"])
    assert torch.allclose(adv["grpo"], adv["dr_grpo"] / (rewards.std() + 1e-4))
    # PPO with a critic that only knows the prompt's mean reward gives every token Dr. GRPO's advantage:
    # the group mean is a Monte Carlo stand-in for V(s_0).
    assert torch.allclose(adv["ppo"], adv["dr_grpo"][:, None] * mask)
    # A critic that has learned something *per token* — here it knows the outcome three tokens before the
    # end — gives those last tokens zero advantage and keeps R − mean on the tokens before: credit varies
    # along the response, which no per-response group baseline can express.
    informed = flat_critic.clone()
    for i in range(g):
        informed[i, max(int(lengths[i]) - 3, 0) :] = rewards[i]
    per_token = advantages_by_method(rewards, informed, mask)["ppo"]
    for i in range(g):
        cut = max(int(lengths[i]) - 3, 0)
        assert torch.allclose(per_token[i, cut:], torch.zeros(t - cut, **f64))
        assert torch.allclose(per_token[i, :cut], adv["dr_grpo"][i].expand(cut))

    # 2. Samples per prompt: a group baseline needs G ≥ 2; PPO's critic baseline works with one response.
    for fn in (lambda r: group_advantages(r), rloo_advantages):
        try:
            fn(torch.ones(1, 1, **f64))
            raise AssertionError("a group of one must be rejected")
        except ValueError:
            pass
    one, _ = gae(torch.tensor([[0.0, 0.0, 1.0]], **f64), torch.tensor([[0.4, 0.6, 0.9]], **f64), torch.ones(1, 3, **f64), 1.0, 1.0)
    assert torch.allclose(one, torch.tensor([[0.6, 0.4, 0.1]], **f64))

    # 3. Token weighting. Per-token gradient of a response of length L: GRPO's sequence mean gives 1/(G·L),
    #    DAPO's token mean 1/Σ L, Dr. GRPO's constant 1/(G·T): only GRPO weighs a long answer's tokens less.
    weights = {}
    for mode in ("sequence_mean", "token_mean", "constant"):
        x = torch.zeros(g, t, **f64, requires_grad=True)
        aggregate(x, mask, mode).backward()
        weights[mode] = x.grad
    short, long_ = int(lengths.argmin()), int(lengths.argmax())
    assert weights["sequence_mean"][short, 0] > 3 * weights["sequence_mean"][long_, 0]
    for mode in ("token_mean", "constant"):
        assert torch.isclose(weights[mode][short, 0], weights[mode][long_, 0])

    # 4. DAPO's dynamic sampling refills groups whose rewards are all equal. At pass rate p that costs
    #    1/(1 − p^G − (1 − p)^G) prompts per kept prompt: negligible at p = 0.5, large on easy data.
    g16 = 16
    cost = lambda p: 1.0 / (1.0 - zero_signal_probability(torch.tensor(p, **f64), g16))  # noqa: E731
    assert cost(0.5) < 1.0001 and 1.2 < cost(0.9) < 1.25 and cost(0.99) > 6
    print(f"RLOO = {g}/{g - 1} x Dr.GRPO; GRPO = Dr.GRPO/std; PPO with a flat critic = Dr.GRPO per token; "
          f"DAPO resampling at p=0.9, G=16 costs {cost(0.9).item():.2f}x prompts")


if __name__ == "__main__":
    main()
