"""Q10 · The value function in PPO: a learned baseline that turns returns into advantages (GAE).

Generalized Advantage Estimation (Schulman et al. 2015, arXiv:1506.02438, eqs. 16–18):

    δ_t = r_t + γ V(s_{t+1}) − V(s_t),        Â_t = Σ_{l≥0} (γλ)^l δ_{t+l}.

λ = 0 gives the one-step TD residual δ_t (low variance, biased unless V is exact); λ = 1 gives the
Monte Carlo return minus V(s_t) (unbiased for any V, high variance). The critic is trained towards the
returns R_t = Â_t + V(s_t), with PPO implementations clipping the value update like the policy's.

In RLHF the per-token reward folds the KL penalty in (Ziegler et al. 2019, arXiv:1909.08593;
Ouyang et al. 2022, arXiv:2203.02155): r_t = −β (log π_θ(y_t|·) − log π_ref(y_t|·)), plus the reward
model's score r(x, y) on the last token only.

Run: ``python -m snippets.q10_value_function``
"""

from __future__ import annotations

import torch

from snippets.q12_grpo import kl_estimate


def _check_same(**tensors: torch.Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) != 1 or len(next(iter(shapes.values()))) != 2:
        raise ValueError(f"expected tensors of one shape (B, T), got {shapes}")


# --8<-- [start:gae]
def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
    gamma: float = 1.0,
    lam: float = 0.95,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized Advantage Estimation over right-padded token sequences.

    The episode ends after the last valid token, so V(s_T) = 0 there (no bootstrap).

    Args:
        rewards: per-token rewards r_t, shape (B, T).
        values: V(s_t), the critic's estimate before token t is emitted, shape (B, T).
        mask: 1 for response tokens, 0 for padding after them, shape (B, T). Rows may be empty.
        gamma: discount γ ∈ [0, 1] (RLHF implementations use 1).
        lam: GAE parameter λ ∈ [0, 1].

    Returns:
        (advantages Â_t, returns R_t = Â_t + V(s_t)), each shape (B, T), zero on padding.
    """
    _check_same(rewards=rewards, values=values, mask=mask)
    m = mask.to(rewards.dtype)
    r, v = rewards * m, values * m
    b, t_len = r.shape
    adv = torch.zeros_like(r)
    next_adv = torch.zeros(b, dtype=r.dtype, device=r.device)
    next_value = torch.zeros(b, dtype=r.dtype, device=r.device)
    for t in reversed(range(t_len)):
        # δ_t = r_t + γ V(s_{t+1}) − V(s_t)   (V(s_{t+1}) = 0 past the last valid token)
        delta = r[:, t] + gamma * next_value - v[:, t]
        # Â_t = δ_t + γλ Â_{t+1}   (the backward form of Σ_l (γλ)^l δ_{t+l}, eq. 16)
        next_adv = (delta + gamma * lam * next_adv) * m[:, t]
        adv[:, t] = next_adv
        next_value = v[:, t]
    return adv, adv + v
# --8<-- [end:gae]


def value_loss(
    new_values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    clip_range: float | None = 0.2,
) -> torch.Tensor:
    """Critic loss ½ E[max((V − R)², (V_clip − R)²)], V_clip = V_old + clip(V − V_old, −ε_v, ε_v).

    This is the clipped value loss of PPO implementations (OpenAI baselines, TRL's ``cliprange_value``);
    it is not in the PPO paper, which uses a plain squared error. ``clip_range=None`` gives ½ E[(V − R)²].

    Args:
        new_values: V_ψ(s_t) from the critic being trained, shape (B, T).
        old_values: V(s_t) recorded when the batch was sampled, shape (B, T).
        returns: targets R_t (e.g. from :func:`gae`), shape (B, T).
        mask: response-token mask, shape (B, T).
        clip_range: ε_v, or ``None`` for no clipping.

    Returns:
        scalar loss, the masked mean over tokens (0 for an all-padding batch).
    """
    _check_same(new_values=new_values, old_values=old_values, returns=returns, mask=mask)
    m = mask.to(new_values.dtype)
    unclipped = (new_values - returns) ** 2
    if clip_range is None:
        per_token = unclipped
    else:
        # V_clip = V_old + clip(V − V_old, −ε_v, ε_v)
        clipped_v = old_values + torch.clamp(new_values - old_values, -clip_range, clip_range)
        # max((V − R)², (V_clip − R)²): the pessimistic (larger) error, as in the policy's min
        per_token = torch.maximum(unclipped, (clipped_v - returns) ** 2)
    return 0.5 * (per_token * m).sum() / m.sum().clamp_min(1)


# --8<-- [start:kl_shaped_rewards]
def kl_shaped_rewards(
    scores: torch.Tensor,
    logp: torch.Tensor,
    ref_logp: torch.Tensor,
    mask: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Per-token RLHF rewards: −β·k1 KL on every token, plus the reward-model score on the last one.

    r_t = −β (log π_θ(y_t|·) − log π_ref(y_t|·)) + 1[t = last] · r(x, y). Summed over t this is
    Ziegler et al.'s sequence reward r(x, y) − β log π_θ(y|x)/π_ref(y|x).

    Args:
        scores: reward-model scores r(x, y), shape (B,).
        logp: log π_θ (the sampling policy) of each token, shape (B, T).
        ref_logp: log π_ref of each token, shape (B, T).
        mask: right-padded response mask, shape (B, T). An empty row gets no reward at all.
        beta: KL coefficient β ≥ 0.

    Returns:
        rewards, shape (B, T), zero on padding.
    """
    _check_same(logp=logp, ref_logp=ref_logp, mask=mask)
    if scores.shape != logp.shape[:1]:
        raise ValueError(f"scores {tuple(scores.shape)} must have shape ({logp.shape[0]},)")
    m = mask.to(logp.dtype)
    # r_t = −β (log π_θ − log π_ref) = −β k1   (the penalty uses the sampler's log-probs; no gradient)
    rewards = -beta * kl_estimate(logp.detach(), ref_logp.detach(), "k1") * m
    lengths = m.sum(dim=1).long()
    rows = torch.nonzero(lengths > 0).squeeze(-1)
    # the score lands on the last valid token only: r_{|y|} += r(x, y)
    rewards[rows, lengths[rows] - 1] += scores[rows].to(rewards.dtype)
    return rewards
# --8<-- [end:kl_shaped_rewards]


def main() -> None:
    torch.manual_seed(0)
    b, t_len, gamma, lam = 5, 7, 0.9, 0.8
    rewards = torch.randn(b, t_len, dtype=torch.float64)
    values = torch.randn(b, t_len, dtype=torch.float64)
    lengths = torch.tensor([7, 5, 1, 0, 3])
    mask = (torch.arange(t_len)[None, :] < lengths[:, None]).double()

    # 1. GAE equals the direct sum Σ_l (γλ)^l δ_{t+l} of TD residuals (eq. 16), computed naively.
    adv, ret = gae(rewards, values, mask, gamma, lam)
    for i in range(b):
        n = int(lengths[i])
        v_next = torch.cat([values[i, 1:n], torch.zeros(1, dtype=torch.float64)])
        delta = rewards[i, :n] + gamma * v_next - values[i, :n]
        for t in range(n):
            direct = sum((gamma * lam) ** l * delta[t + l] for l in range(n - t))
            assert torch.isclose(adv[i, t], direct)
    assert (adv[mask == 0] == 0).all() and torch.allclose(ret, (adv + values) * mask)

    # 2. λ = 0: Â_t is the one-step TD residual δ_t (eq. 17).
    adv0, _ = gae(rewards, values, mask, gamma, 0.0)
    v_next = torch.cat([values[:, 1:], torch.zeros(b, 1, dtype=torch.float64)], 1) * torch.cat(
        [mask[:, 1:], torch.zeros(b, 1, dtype=torch.float64)], 1)
    assert torch.allclose(adv0, (rewards + gamma * v_next - values) * mask)
    # 3. λ = 1: Â_t is the discounted Monte Carlo return minus V(s_t), whatever V is (eq. 18).
    adv1, _ = gae(rewards, values, mask, gamma, 1.0)
    disc = gamma ** (torch.arange(t_len)[None, :] - torch.arange(t_len)[:, None]).clamp_min(0).double()
    upper = torch.triu(torch.ones(t_len, t_len, dtype=torch.float64)) * disc  # [t, k] = γ^{k−t}, k ≥ t
    mc_return = (rewards * mask) @ upper.T
    assert torch.allclose(adv1, (mc_return - values) * mask)

    # 4. Clipped value loss: inside ±ε_v it is ½(V − R)²; outside, the gradient is cut only when the
    #    critic already moved *towards* the target by more than ε_v — never when it moved away.
    old = torch.zeros(1, 3, dtype=torch.float64)
    target = torch.ones(1, 3, dtype=torch.float64)
    new = torch.tensor([[0.1, 0.5, -0.5]], dtype=torch.float64, requires_grad=True)
    value_loss(new, old, target, torch.ones(1, 3, dtype=torch.float64), 0.2).backward()
    # d/dV of ½ mean((V − R)²) is (V − R)/3 for the in-range and the moved-away tokens, 0 for the other
    assert torch.allclose(new.grad, torch.tensor([[(0.1 - 1) / 3, 0.0, (-0.5 - 1) / 3]], dtype=torch.float64))
    assert value_loss(new, old, target, torch.ones(1, 3), None) < value_loss(new, old, target, torch.ones(1, 3), 0.2)

    # 5. KL-shaped reward: the score only on the last token; the per-token rewards sum to the
    #    sequence reward r − β log π_θ(y|x)/π_ref(y|x); with γ = λ = 1 and V = 0, Â_0 equals it.
    beta = 0.1
    logp, ref_logp = -torch.rand(b, t_len, dtype=torch.float64), -torch.rand(b, t_len, dtype=torch.float64)
    scores = torch.randn(b, dtype=torch.float64)
    shaped = kl_shaped_rewards(scores, logp, ref_logp, mask, beta)
    seq_reward = scores - beta * ((logp - ref_logp) * mask).sum(1)
    nonempty = lengths > 0
    assert torch.allclose(shaped.sum(1)[nonempty], seq_reward[nonempty]) and (shaped[~nonempty] == 0).all()
    assert torch.allclose((shaped + beta * (logp - ref_logp) * mask).sum(1)[nonempty], scores[nonempty])
    a_mc, _ = gae(shaped, torch.zeros_like(shaped), mask, 1.0, 1.0)
    assert torch.allclose(a_mc[nonempty, 0], seq_reward[nonempty])
    print("GAE = sum of (gamma*lam)^l TD residuals; lam=0 -> TD, lam=1 -> MC return - V; "
          "clipped value loss cuts only moves towards the target; KL-shaped rewards sum to r - beta*log-ratio")


if __name__ == "__main__":
    main()
