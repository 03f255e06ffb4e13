"""Q36 · Iterated DPO: refresh the preference pairs from the current policy, round after round.

One offline DPO pass (Rafailov et al. 2023, arXiv:2305.18290) learns only from the responses its fixed
data set happens to contain. Iterated DPO repeats: sample pairs from the CURRENT policy → label them with a
judge (humans, a reward model or an LLM) → run DPO → repeat. Llama 3 (arXiv:2407.21783) runs several such
rounds (reward model, rejection sampling, SFT, then DPO on the newest preference batches); Self-Rewarding
LMs (arXiv:2401.10020) and Xiong et al. (arXiv:2312.11456) iterate DPO with the previous round's model as
the next round's reference. Tülu 2 (one offline DPO pass) and Tülu 3 (one DPO pass, then RLVR) are not
iterated DPO.

The toy is a bandit with K responses whose SFT policy rarely samples the good ones. DPO on a softmax
policy only moves the logits of responses that appear in some pair, so an offline pass is stuck near what
π_ref samples; on-policy rounds walk towards the good responses. ``iterated_dpo`` is reusable (Q58).

Run: ``python -m snippets.q36_iterated_dpo``
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from snippets.q14_dpo_derivation import dpo_loss

Judge = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def sample_pairs(logits: torch.Tensor, n_pairs: int, generator: torch.Generator) -> torch.Tensor:
    """Two independent samples per pair from softmax(logits): logits (K,) → indices (n_pairs, 2)."""
    if logits.dim() != 1:
        raise ValueError(f"logits must have shape (K,), got {tuple(logits.shape)}")
    probs = torch.softmax(logits.detach(), dim=-1)
    return torch.multinomial(probs, 2 * n_pairs, replacement=True, generator=generator).view(n_pairs, 2)


def reward_judge(reward: torch.Tensor) -> Judge:
    """A judge that prefers the higher-reward response and drops ties: pairs (n, 2) → (chosen, rejected)."""

    def judge(pairs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r = reward[pairs]
        keep = r[:, 0] != r[:, 1]
        first_wins = r[:, 0] > r[:, 1]
        chosen = torch.where(first_wins, pairs[:, 0], pairs[:, 1])[keep]
        rejected = torch.where(first_wins, pairs[:, 1], pairs[:, 0])[keep]
        return chosen, rejected

    return judge


def dpo_fit(logits: torch.Tensor, ref_logits: torch.Tensor, chosen: torch.Tensor, rejected: torch.Tensor, beta: float, steps: int, lr: float) -> torch.Tensor:
    """Gradient descent on the mean DPO loss (eq. 7) of a softmax bandit policy.

    Args:
        logits: initial policy logits, shape (K,).
        ref_logits: reference policy logits, shape (K,).
        chosen: indices of the preferred responses y_w, shape (B,).
        rejected: indices of the dispreferred responses y_l, shape (B,).
        beta: DPO's β.
        steps: number of plain gradient-descent steps.
        lr: their learning rate.

    Returns:
        trained logits, shape (K,).
    """
    if logits.shape != ref_logits.shape or chosen.shape != rejected.shape:
        raise ValueError(f"logits {tuple(logits.shape)} vs ref {tuple(ref_logits.shape)}; chosen {tuple(chosen.shape)} vs rejected {tuple(rejected.shape)}")
    if chosen.numel() == 0:  # every sampled pair was a tie: nothing to learn
        return logits.detach().clone()
    theta = logits.detach().clone().requires_grad_(True)
    ref_logp = torch.log_softmax(ref_logits.detach(), dim=-1)
    for _ in range(steps):
        logp = torch.log_softmax(theta, dim=-1)
        # L = mean_b −log σ(β[log π_θ/π_ref (y_w) − log π_θ/π_ref (y_l)])
        loss = dpo_loss(logp[chosen], logp[rejected], ref_logp[chosen], ref_logp[rejected], beta).mean()
        (grad,) = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta -= lr * grad
    return theta.detach()


def iterated_dpo(
    logits: torch.Tensor,
    judge: Judge,
    *,
    rounds: int,
    pairs_per_round: int,
    beta: float,
    steps: int,
    lr: float,
    generator: torch.Generator,
    refresh_reference: bool = True,
) -> list[torch.Tensor]:
    """Iterated (on-policy) DPO on a bandit: sample pairs from π_t, judge them, DPO, repeat.

    Round t samples ``pairs_per_round`` pairs from the current policy π_t, labels them with ``judge`` and
    trains π_{t+1} from π_t by DPO. The reference is π_t (``refresh_reference=True``, as in Self-Rewarding
    LMs) or stays the initial policy (``False``). ``rounds=1`` is a single offline pass on π_0's samples.

    Args:
        logits: initial (SFT) policy logits, shape (K,).
        judge: maps sampled pairs (n, 2) to (chosen, rejected) index tensors.

    Returns:
        the policy logits after each round, ``rounds + 1`` tensors of shape (K,) (index 0 = initial).
    """
    if rounds < 1 or pairs_per_round < 1:
        raise ValueError(f"rounds and pairs_per_round must be >= 1, got {rounds}, {pairs_per_round}")
    history = [logits.detach().clone()]
    for _ in range(rounds):
        current = history[-1]
        chosen, rejected = judge(sample_pairs(current, pairs_per_round, generator))
        ref = current if refresh_reference else history[0]
        history.append(dpo_fit(current, ref, chosen, rejected, beta, steps, lr))
    return history


def main() -> None:
    torch.manual_seed(0)
    k = 60
    reward = torch.linspace(0, 1, k, dtype=torch.float64)  # gold quality of each response
    # SFT policy: centred on mediocre responses (r ≈ 0.3); good ones (r > 0.8) are rarely sampled.
    sft = -8.0 * (reward - 0.3).abs()
    judge = reward_judge(reward)
    settings = dict(beta=1.0, steps=20, lr=3.0)

    def gold(lg: torch.Tensor) -> float:
        return float((torch.softmax(lg, -1) * reward).sum())

    rounds, per_round = 6, 64
    online = iterated_dpo(sft, judge, rounds=rounds, pairs_per_round=per_round, generator=torch.Generator().manual_seed(0), **settings)
    g = [gold(lg) for lg in online]
    # 1. Each refreshed round improves the policy, and the total gain is large.
    assert all(b > a for a, b in zip(g, g[1:])) and g[-1] > g[0] + 0.12

    # 2. The same number of labelled pairs spent in ONE offline pass on π_ref's samples (with as many
    #    gradient steps) does much worse: it never sees the responses the improved policy would produce.
    offline = iterated_dpo(sft, judge, rounds=1, pairs_per_round=rounds * per_round, generator=torch.Generator().manual_seed(0), **{**settings, "steps": rounds * settings["steps"]})
    assert g[-1] > gold(offline[-1]) + 0.04

    # 3. Offline DPO moves only responses that appear in its data: an unsampled response keeps its logit.
    pairs = sample_pairs(sft, 64, torch.Generator().manual_seed(1))
    unseen = torch.ones(k, dtype=torch.bool)
    unseen[pairs.flatten()] = False
    chosen, rejected = judge(pairs)
    fitted = dpo_fit(sft, sft, chosen, rejected, **settings)
    assert unseen.any() and torch.allclose(fitted[unseen], sft[unseen])
    print(f"gold reward by round: {[round(x, 3) for x in g]}; one offline pass with the same pairs: {gold(offline[-1]):.3f}")


if __name__ == "__main__":
    main()
