"""Q49 · DAPO's four changes to GRPO, each with the failure it fixes.

DAPO (Yu et al. 2025, arXiv:2503.14476) trains Qwen2.5-32B base to 50 points on AIME 2024 with GRPO
modified four ways, and with no KL term (§2.3):

- Clip-Higher (eq. 10): clip the ratio to [1 − ε_low, 1 + ε_high] with ε_low = 0.2, ε_high = 0.28, so a
  low-probability token with positive advantage can grow more before its gradient is cut.
- Dynamic sampling (eq. 11): over-sample and keep only groups whose accuracy is neither 0 nor 1, since an
  all-equal group has zero advantage and only dilutes the batch.
- Token-level policy-gradient loss (eq. 12): divide the summed token losses by the total token count of
  the batch, Σ_i |o_i|, instead of averaging within each sample first.
- Overlong reward shaping: overlong filtering (mask truncated samples out of the loss) and the soft
  overlong punishment of eq. 13, with L_max = 20480 and L_cache = 4096 in the paper,

      R_length(y) = 0                                  if |y| ≤ L_max − L_cache
                  = ((L_max − L_cache) − |y|) / L_cache  if L_max − L_cache < |y| ≤ L_max
                  = −1                                  if |y| > L_max,

  added to the ±1 correctness reward.

This module is the home of the DAPO-specific pieces (Q76 imports them); the clipped surrogate, the group
advantage and the aggregations come from Q8 and Q12.

Run: ``python -m snippets.q49_dapo``
"""

from __future__ import annotations

import torch

from snippets.q08_why_ppo import clipped_surrogate
from snippets.q12_grpo import aggregate, group_advantages, grpo_loss

EPS_LOW, EPS_HIGH = 0.2, 0.28  # DAPO §4.1
L_MAX, L_CACHE = 20480, 4096  # DAPO §4.1: expected maximum length 16384 plus a 4096-token punishment cache


def soft_overlong_punishment(lengths: torch.Tensor, max_len: int = L_MAX, cache: int = L_CACHE) -> torch.Tensor:
    """DAPO eq. 13: a length penalty that ramps linearly from 0 to −1 over the last ``cache`` tokens.

    Args:
        lengths: response lengths |y| in tokens, any shape.
        max_len: L_max, the generation limit.
        cache: L_cache, the width of the soft punishment interval (0 < cache ≤ max_len).

    Returns:
        penalty in [−1, 0], same shape as ``lengths``.
    """
    if not 0 < cache <= max_len:
        raise ValueError(f"need 0 < cache <= max_len, got cache={cache}, max_len={max_len}")
    lengths = lengths.to(torch.float64)
    start = max_len - cache
    # R = ((L_max − L_cache) − |y|) / L_cache on (L_max − L_cache, L_max]; 0 below, −1 above
    ramp = (start - lengths) / cache
    return torch.where(lengths <= start, torch.zeros_like(ramp), torch.where(lengths <= max_len, ramp, -torch.ones_like(ramp)))


def overlong_filter(mask: torch.Tensor, truncated: torch.Tensor) -> torch.Tensor:
    """Overlong filtering: drop truncated responses from the loss by zeroing their rows of the mask.

    Args:
        mask: response-token mask, shape (B, T).
        truncated: True where the response hit the length limit, shape (B,).

    Returns:
        new mask, shape (B, T).
    """
    if truncated.shape != mask.shape[:1]:
        raise ValueError(f"truncated {tuple(truncated.shape)} must have shape ({mask.shape[0]},)")
    return mask * (~truncated.bool()).to(mask.dtype)[:, None]


def informative_groups(correct: torch.Tensor) -> torch.Tensor:
    """Dynamic sampling's filter (eq. 11): keep a group iff 0 < #correct < G.

    Args:
        correct: 1 where a response is judged equivalent to the answer, shape (N, G).

    Returns:
        boolean mask over groups, shape (N,).
    """
    if correct.dim() != 2:
        raise ValueError(f"correct must have shape (N, G), got {tuple(correct.shape)}")
    n_correct = correct.to(torch.int64).sum(dim=1)
    # keep ⇔ 0 < |{o_i : is_equivalent(a, o_i)}| < G
    return (n_correct > 0) & (n_correct < correct.shape[1])


def dapo_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float = EPS_LOW,
    eps_high: float = EPS_HIGH,
) -> torch.Tensor:
    """The DAPO policy loss (negative of eq. 8): decoupled clip, token-level mean, no KL term.

    Args:
        logp: log π_θ of each sampled token, shape (B, T).
        old_logp: log π_θ_old of the same tokens, shape (B, T).
        advantages: one group-normalised advantage per response, shape (B,).
        mask: response-token mask (after overlong filtering), shape (B, T).
        eps_low: ε_low, the lower clip bound is 1 − ε_low (DAPO: 0.2).
        eps_high: ε_high, the upper clip bound is 1 + ε_high (DAPO: 0.28).

    Returns:
        scalar loss, normalised by the number of response tokens in the rows passed in. For one group this
        is eq. 8 exactly (1/Σ_i |o_i|); for a batch of groups it is what verl's ``token-mean`` and TRL's
        ``loss_type="dapo"`` compute. No reference model is needed: with β = 0 the KL term is gone.
    """
    if logp.shape != mask.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and mask {tuple(mask.shape)} must match")
    # −1/Σ|o_i| Σ_i Σ_t min(ρ Â, clip(ρ, 1 − ε_low, 1 + ε_high) Â); the reference log-probs are unused at β = 0
    return grpo_loss(logp, old_logp, old_logp, advantages, mask, eps_low, eps_high, beta=0.0, aggregation="token_mean")


def main() -> None:
    torch.manual_seed(0)
    dt = torch.float64

    # 1. Clip-Higher. The clip bounds the *ratio*, so the room to grow is proportional to the old
    #    probability: with ε = 0.2 a 0.01 token may reach 0.012 while a 0.9 token may reach 1.08 (i.e. is not
    #    bounded at all). Run several PPO epochs on one sample of the rare token with A > 0: its ratio stops
    #    just past 1 + ε_high, so Clip-Higher lets it grow 40 % more.
    assert abs(0.01 * (1 + 0.2) - 0.012) < 1e-12 and 0.9 * (1 + 0.2) > 1.0
    old = torch.log(torch.tensor([0.01, 0.9, 0.09], dtype=dt))  # a rare, a dominant and a third token
    reached = {}
    for eps_high in (EPS_LOW, EPS_HIGH):
        logits = old.clone().requires_grad_(True)
        opt = torch.optim.SGD([logits], lr=0.005)
        for _ in range(150):
            logp_rare = torch.log_softmax(logits, -1)[:1]
            loss = -clipped_surrogate(logp_rare, old[:1], torch.ones(1, dtype=dt), EPS_LOW, eps_high).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        reached[eps_high] = (torch.softmax(logits.detach(), -1)[0] / 0.01).item()
    assert 1.2 <= reached[EPS_LOW] < 1.21 and 1.28 <= reached[EPS_HIGH] < 1.29, reached

    # 2. Dynamic sampling. Groups with accuracy 0 or 1 have zero advantage; under a token-mean loss their
    #    tokens still sit in the denominator and shrink the gradient. Filtering them leaves the direction
    #    unchanged and restores the magnitude by exactly (all tokens) / (informative tokens).
    correct = torch.tensor([[1, 0, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0], [0, 1, 0, 0]], dtype=dt)
    keep = informative_groups(correct)
    assert keep.tolist() == [True, False, False, True]
    rewards = 2 * correct - 1  # DAPO's rule-based reward: +1 if equivalent, −1 otherwise
    adv = group_advantages(rewards).reshape(-1)
    lengths = torch.randint(3, 9, (16,))
    mask = (torch.arange(8)[None, :] < lengths[:, None]).to(dt)
    logp = (-torch.rand(16, 8, dtype=dt)).requires_grad_(True)
    dapo_loss(logp, logp.detach(), adv, mask).backward()
    g_all = logp.grad.clone()
    logp.grad = None
    rows = keep.repeat_interleave(4)
    dapo_loss(logp[rows], logp.detach()[rows], adv[rows], mask[rows]).backward()
    g_kept = logp.grad[rows]
    assert torch.allclose(g_kept * mask[rows].sum() / mask.sum(), g_all[rows]) and (g_all[~rows] == 0).all()

    # 3. Token-level loss. A short correct answer (10 tokens, Â = +1) and a long, repetitive wrong one
    #    (1000 tokens, Â = −1). Sample-level averaging gives each of the long answer's tokens 1/100 of the
    #    weight of a short-answer token, so the repetition is barely penalised; token-level gives every token
    #    the same weight, so the long answer's total weight is 100× the short one's.
    per_token = torch.zeros(2, 1000, dtype=dt, requires_grad=True)
    mask2 = torch.zeros(2, 1000, dtype=dt)
    mask2[0, :10], mask2[1, :] = 1, 1
    weights = {}
    for mode in ("sequence_mean", "token_mean"):
        (grad,) = torch.autograd.grad(aggregate(per_token, mask2, mode), per_token)
        weights[mode] = (grad[0, 0].item(), grad[1, 0].item())  # weight of one token of each answer
    assert abs(weights["sequence_mean"][1] / weights["sequence_mean"][0] - 0.01) < 1e-12
    assert weights["token_mean"][0] == weights["token_mean"][1] == 1 / 1010

    # 4. Soft overlong punishment with the paper's L_max = 20480, L_cache = 4096: zero up to 16384 tokens,
    #    −0.5 halfway through the cache, −1 at and beyond the limit; continuous and non-increasing.
    lens = torch.arange(0, 25000)
    pen = soft_overlong_punishment(lens)
    assert pen[16384] == 0 and pen[18432] == -0.5 and pen[20480] == -1 and pen[20481] == -1
    assert (pen[1:] <= pen[:-1]).all() and (pen[:-1] - pen[1:]).max() <= 1 / L_CACHE + 1e-12

    # 5. Overlong filtering removes a truncated response from the loss entirely, and the loss needs no
    #    reference model: extreme log-probabilities stay finite.
    trunc = torch.tensor([False, True, False, False])
    m4 = overlong_filter(torch.ones(4, 5, dtype=dt), trunc)
    assert (m4[1] == 0).all() and (m4[[0, 2, 3]] == 1).all()
    big = torch.full((4, 5), -1e4, dtype=dt, requires_grad=True)
    out = dapo_loss(big, torch.zeros(4, 5, dtype=dt), torch.tensor([1.0, -1.0, 2.0, 0.0], dtype=dt), m4)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(big.grad).all()
    print(f"clip-higher lets a 0.01 token grow x{reached[EPS_HIGH]:.3f} (vs x{reached[EPS_LOW]:.3f}); token-mean weights equal; R_len(18432) = -0.5")


if __name__ == "__main__":
    main()
