"""Q52 · REINFORCE++: PPO's clipped surrogate and per-token KL reward, no critic, *global* advantage normalisation.

Hu et al. (2025, arXiv:2501.03262) keep PPO's machinery except the value model. Each token's advantage
is the reward-to-go of the KL-shaped reward (γ = 1),

    A_t = r(x, y) − β Σ_{i ≥ t} KL_i,        KL_i = log π_θold(y_i|·) − log π_ref(y_i|·),

and it is normalised with the mean and standard deviation of *all tokens in the global batch*,
A_t ← (A_t − mean_batch) / std_batch, instead of per prompt as GRPO does. The variant for groups of k > 1
samples (REINFORCE++ w/ baseline) first subtracts the group's mean reward, then normalises globally.
The policy update is PPO's clipped surrogate with these advantages.

Per-prompt std normalisation makes every prompt's advantages zero-mean and unit-scale whatever its
reward spread; global normalisation keeps the differences between prompts. And the per-prompt std is a
function of the samples themselves, so the expected update is no longer ∝ ∇E[r] — this module finds a
case where it even has the wrong sign.

Run: ``python -m snippets.q52_reinforce_plus_plus``
"""

from __future__ import annotations

import itertools

import torch

from snippets.q08_why_ppo import clipped_surrogate
from snippets.q10_value_function import gae, kl_shaped_rewards
from snippets.q12_grpo import group_advantages


def reward_to_go(scores: torch.Tensor, logp: torch.Tensor, ref_logp: torch.Tensor, mask: torch.Tensor, beta: float) -> torch.Tensor:
    """Unnormalised REINFORCE++ advantages A_t = r(x, y) − β Σ_{i≥t} (log π_old(y_i|·) − log π_ref(y_i|·)).

    Args:
        scores: sequence rewards r(x, y), shape (B,).
        logp: log π_θold of each sampled token, shape (B, T).
        ref_logp: log π_ref of each token, shape (B, T).
        mask: right-padded response mask, shape (B, T).
        beta: KL coefficient β ≥ 0.

    Returns:
        A_t, shape (B, T), zero on padding.
    """
    rewards = kl_shaped_rewards(scores, logp, ref_logp, mask, beta)
    # A_t = Σ_{i≥t} r_i: GAE with γ = λ = 1 and no critic (V ≡ 0) is exactly the reward-to-go
    adv, _ = gae(rewards, torch.zeros_like(rewards), mask, gamma=1.0, lam=1.0)
    return adv


# --8<-- [start:global_normalize]
def global_normalize(advantages: torch.Tensor, mask: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """A ← (A − mean) / (std + eps), with mean and std over every valid token of the whole batch.

    Args:
        advantages: shape (B, T), B = all sequences of the global batch (every prompt together).
        mask: shape (B, T), 1 for response tokens.
        eps: keeps an all-equal batch finite (it maps to 0).

    Returns:
        normalised advantages, shape (B, T), zero on padding. The std is the population std over tokens.
    """
    if advantages.shape != mask.shape:
        raise ValueError(f"advantages {tuple(advantages.shape)} and mask {tuple(mask.shape)} must match")
    m = mask.to(advantages.dtype)
    n = m.sum().clamp_min(1)
    # mean_batch = Σ A·m / Σ m
    mean = (advantages * m).sum() / n
    # std_batch = sqrt(Σ (A − mean)² m / Σ m)
    std = (((advantages - mean) ** 2) * m).sum().div(n).sqrt()
    return (advantages - mean) / (std + eps) * m
# --8<-- [end:global_normalize]


def reinforce_pp_advantages(
    scores: torch.Tensor,
    logp: torch.Tensor,
    ref_logp: torch.Tensor,
    mask: torch.Tensor,
    beta: float = 0.0,
    group_size: int | None = None,
) -> torch.Tensor:
    """REINFORCE++ per-token advantages; with ``group_size`` the "w/ baseline" variant.

    Args:
        scores: sequence rewards, shape (B,); with ``group_size`` = k, consecutive blocks of k rows are
            the samples of one prompt (B = N·k).
        logp: log π_θold of each token, shape (B, T), as in :func:`reward_to_go`.
        ref_logp: log π_ref of each token, shape (B, T).
        mask: right-padded response mask, shape (B, T).
        beta: KL coefficient in the reward.
        group_size: ``None`` for REINFORCE++ (no baseline); k ≥ 2 to subtract each group's mean score first.

    Returns:
        globally normalised advantages, shape (B, T).
    """
    if group_size is not None:
        if group_size < 2 or scores.shape[0] % group_size:
            raise ValueError(f"B = {scores.shape[0]} must be a multiple of group_size = {group_size} >= 2")
        # r_i ← r_i − mean_group(r)   (REINFORCE++ w/ baseline)
        grouped = scores.reshape(-1, group_size)
        scores = (grouped - grouped.mean(dim=1, keepdim=True)).reshape(-1)
    return global_normalize(reward_to_go(scores, logp, ref_logp, mask, beta), mask)


def main() -> None:
    torch.manual_seed(0)
    f64 = torch.float64

    # 1. The advantage is the reward-to-go of the KL-shaped reward: r − β Σ_{i≥t} KL_i.
    b, t_len, beta = 4, 6, 0.05
    lengths = torch.tensor([6, 4, 1, 3])
    mask = (torch.arange(t_len)[None, :] < lengths[:, None]).to(f64)
    logp, ref_logp = -torch.rand(b, t_len, dtype=f64), -torch.rand(b, t_len, dtype=f64)
    scores = torch.randn(b, dtype=f64)
    rtg = reward_to_go(scores, logp, ref_logp, mask, beta)
    kl = (logp - ref_logp) * mask
    tail = kl.flip(1).cumsum(1).flip(1)  # Σ_{i≥t} KL_i
    assert torch.allclose(rtg, (scores[:, None] - beta * tail) * mask)
    # Global normalisation: zero mean and unit std over all valid tokens of the batch.
    a = global_normalize(rtg, mask)
    valid = a[mask.bool()]
    assert torch.isclose(valid.mean(), torch.zeros((), dtype=f64), atol=1e-12)
    assert torch.isclose(valid.std(unbiased=False), torch.ones((), dtype=f64))

    # 2. Per-prompt vs global on three prompts of G = 4 (β = 0, equal lengths, so one value per row):
    #    prompt 0 has a tiny reward spread, prompt 1 a large one, prompt 2 is solved by every sample.
    rewards = torch.tensor([[0.50, 0.51, 0.50, 0.51], [0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]], dtype=f64)
    n, g = rewards.shape
    ones = torch.ones(n * g, 1, dtype=f64)
    zeros = torch.zeros(n * g, 1, dtype=f64)
    local = group_advantages(rewards)  # GRPO: per prompt
    glob = reinforce_pp_advantages(rewards.reshape(-1), zeros, zeros, ones).reshape(n, g)
    glob_base = reinforce_pp_advantages(rewards.reshape(-1), zeros, zeros, ones, group_size=g).reshape(n, g)
    # Per prompt: prompts 0 and 1 get the same ±0.87 — a 0.01 spread weighs like a 0/1 one (the std's
    # eps = 1e-4 shaves under 2 % off prompt 0); the all-correct prompt gets 0.
    assert torch.allclose(local[0], local[1], atol=0.02) and (local[2] == 0).all()
    # Global: the cross-prompt scale survives (prompt 1's spread is 100× prompt 0's) ...
    spread = glob.max(dim=1).values - glob.min(dim=1).values
    assert torch.isclose(spread[1] / spread[0], torch.tensor(100.0, dtype=f64))
    # ... the all-correct prompt is still reinforced without a baseline (above the batch mean) ...
    assert (glob[2] > 0).all()
    # ... and with the group baseline it gets exactly 0, like GRPO, while the scale survives.
    assert (glob_base[2].abs() < 1e-12).all()
    assert glob_base[1].abs().max() > 50 * glob_base[0].abs().max()
    # Rescaling one prompt's rewards changes nothing per prompt, but changes the global advantages.
    rescaled = rewards.clone()
    rescaled[0] = 10 * rescaled[0] - 3
    assert torch.allclose(group_advantages(rescaled[:2], eps=0.0), group_advantages(rewards[:2], eps=0.0))
    assert not torch.allclose(reinforce_pp_advantages(rescaled.reshape(-1), zeros, zeros, ones).reshape(n, g), glob)

    # 3. Per-prompt std normalisation changes the expected update. Three-armed bandit, rewards
    #    (0, 0.9, 1), π = softmax(0, 1, 1), groups of G = 4, all 3^4 draws enumerated exactly.
    reward = torch.tensor([0.0, 0.9, 1.0], dtype=f64)
    logits = torch.tensor([0.0, 1.0, 1.0], dtype=f64, requires_grad=True)
    (true_grad,) = torch.autograd.grad((torch.softmax(logits, -1) * reward).sum(), logits)
    draws = torch.tensor(list(itertools.product(range(3), repeat=4)))

    def expected_update(adv: torch.Tensor) -> torch.Tensor:
        logp_arm = torch.log_softmax(logits, -1)
        p_draw = logp_arm[draws].sum(1).exp().detach()
        (grad,) = torch.autograd.grad((p_draw[:, None] * adv * logp_arm[draws]).sum() / 4, logits)
        return grad

    probs = torch.softmax(logits, -1).detach()
    mu, sigma = (probs * reward).sum(), ((probs * (reward - (probs * reward).sum()) ** 2).sum()).sqrt()
    per_prompt = expected_update(group_advantages(reward[draws]))
    centred = expected_update(group_advantages(reward[draws], scale_by_std=False))
    population = expected_update((reward[draws] - mu) / sigma)  # the large-batch limit of global normalisation
    assert torch.allclose(centred, 3 / 4 * true_grad)  # mean-centring only rescales, by (G − 1)/G
    assert torch.allclose(population, true_grad / sigma)  # global statistics only rescale
    # The per-prompt std flips the sign for the 0.9 arm: E[r] rises if it gains mass; the update lowers it.
    assert true_grad[1] > 0.03 and per_prompt[1] < -0.05

    # 4. The update itself is PPO's clipped surrogate: on-policy, ∂L/∂log π(y_t) = A_t per token.
    logp_new = logp.clone().requires_grad_(True)
    clipped_surrogate(logp_new, logp, a).mul(mask).sum().backward()
    assert torch.allclose(logp_new.grad, a * mask)
    print("A_t = r - beta*sum_{i>=t} KL_i, normalised over the global batch; per-prompt scaling erases "
          "cross-prompt scale and can flip the sign of the expected update")


if __name__ == "__main__":
    main()
