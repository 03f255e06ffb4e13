"""Q58 · Iterative / online DPO: refresh the preference pairs from the current policy.

DPO fits a fixed data set, so a response that never appears in a pair never gets a learning signal. Online
and iterative DPO (Xu et al. 2023, arXiv:2312.16682; Guo et al. 2024, arXiv:2402.04792; the rounds of
Llama 3, arXiv:2407.21783) alternate: sample from the current policy, label the samples with a judge, run
DPO, repeat. On a bandit the population version is exact: pairs (y, y') ~ π_t ⊗ π_t, labelled by
Bradley–Terry on the true reward. Because the current policy gives every response some probability, the
fixed point of the loop is the RLHF optimum π* = π_ref exp(r/β)/Z; one offline pass on data that never
contains the best response leaves that response's logit exactly where it started.

This module is the home of the exact, population version of the loop (:func:`iterative_dpo`: pairs come
with their probabilities, no sampling noise), used by Q56 and Q83. The sampled version — draw pairs,
label them, fit — is Q36's ``iterated_dpo``.

Run: ``python -m snippets.q58_online_dpo``
"""

from __future__ import annotations

from typing import Callable

import torch

from snippets.q05_rlhf_objective import optimal_policy, rlhf_objective
from snippets.q16_dpo_vs_rlhf_equivalence import population_dpo_loss

PairSource = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


def bradley_terry_pairs(sampler: torch.Tensor, reward: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Expected preference pairs when two responses are drawn from ``sampler`` and labelled by Bradley–Terry.

    Args:
        sampler: distribution the two responses are drawn from, shape (K,).
        reward: true reward of each response, shape (K,).

    Returns:
        winners, losers, weights, each shape (K·(K−1),): every ordered pair (i, j), i ≠ j, with weight
        π(i) π(j) σ(r_i − r_j) normalised to sum to 1 (draws of the same response twice carry no signal).
    """
    if sampler.shape != reward.shape or sampler.dim() != 1:
        raise ValueError(f"sampler {tuple(sampler.shape)} and reward {tuple(reward.shape)} must both be (K,)")
    k = sampler.shape[0]
    i, j = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
    off = i != j
    i, j = i[off], j[off]
    # P(draw i, draw j, label i ≻ j) = π(i) π(j) σ(r_i − r_j)
    weights = sampler[i] * sampler[j] * torch.sigmoid(reward[i] - reward[j])
    return i, j, weights / weights.sum().clamp_min(1e-300)


def iterative_dpo(
    logits: torch.Tensor,
    make_pairs: PairSource,
    rounds: int,
    steps: int,
    beta: float,
    lr: float,
    refresh_reference: bool = False,
) -> list[torch.Tensor]:
    """Rounds of (draw pairs from the current policy → DPO) on a tabular bandit policy.

    Args:
        logits: initial policy logits, shape (K,); the initial policy is also π_ref.
        make_pairs: maps the current policy π_t, shape (K,), to (winners, losers, weights), each shape (P,).
            An offline pass is ``rounds=1`` with a source that ignores π_t.
        rounds: number of data refreshes.
        steps: gradient steps per round.
        beta: DPO's β.
        lr: step size.
        refresh_reference: if True, each round's reference is the policy that started the round (as when every
            iteration fine-tunes the previous model); if False, π_ref stays the initial policy.

    Returns:
        the policy after each round, a list of ``rounds`` tensors of shape (K,).
    """
    if logits.dim() != 1:
        raise ValueError(f"logits must have shape (K,), got {tuple(logits.shape)}")
    theta = logits.detach().clone()
    ref_logp = torch.log_softmax(theta, -1)
    history = []
    for _ in range(rounds):
        if refresh_reference:
            ref_logp = torch.log_softmax(theta, -1)
        winners, losers, weights = make_pairs(torch.softmax(theta, -1))
        theta.requires_grad_(True)
        for _ in range(steps):
            loss = population_dpo_loss(torch.log_softmax(theta, -1), ref_logp, winners, losers, weights, beta)
            (grad,) = torch.autograd.grad(loss, theta)
            with torch.no_grad():
                theta -= lr * grad
        theta = theta.detach()
        history.append(torch.softmax(theta, -1))
    return history


def main() -> None:
    torch.manual_seed(0)
    dt, beta = torch.float64, 1.0
    reward = torch.tensor([0.0, 0.5, 1.0, 0.3, -0.5, 4.5], dtype=dt)
    pi_ref = torch.tensor([0.25, 0.25, 0.2, 0.15, 0.12, 0.03], dtype=dt)  # the best response, y5, is rare
    pi_star = optimal_policy(pi_ref, reward, beta)
    assert pi_star[5] > 0.5  # ...but it is where the KL-regularised optimum puts most of its mass

    # Offline: pairs collected once from an older sampler that never produced y5 (the data does not cover π*).
    behaviour = pi_ref.clone()
    behaviour[5] = 0
    behaviour /= behaviour.sum()
    offline_pairs = bradley_terry_pairs(behaviour, reward)
    assert not (offline_pairs[0] == 5)[offline_pairs[2] > 0].any()

    # Same compute for both: 8 rounds × 40 steps online, one pass of 320 steps offline.
    online = iterative_dpo(pi_ref.log(), lambda pi: bradley_terry_pairs(pi, reward), rounds=8, steps=40, beta=beta, lr=5.0)
    offline = iterative_dpo(pi_ref.log(), lambda pi: offline_pairs, rounds=1, steps=320, beta=beta, lr=5.0)[-1]

    # The online loop converges to the RLHF optimum...
    assert (online[-1] - pi_star).abs().max() < 1e-4
    assert all(online[t + 1][5] > online[t][5] for t in range(len(online) - 1))
    # ...while offline DPO never touches y5's logit: its probability can only shrink by renormalisation.
    logp = offline.log().clone().requires_grad_(True)
    population_dpo_loss(logp, pi_ref.log(), *offline_pairs, beta).backward()
    assert logp.grad[5] == 0  # y5 gets no signal at all...
    assert logp.grad.abs().max() < 1e-8  # ...and the offline pass has converged on the rest
    assert offline[5] < pi_ref[5] and offline[5] < 0.05 * pi_star[5]
    j_on, j_off = rlhf_objective(online[-1], pi_ref, reward, beta), rlhf_objective(offline, pi_ref, reward, beta)
    e_on, e_off = (online[-1] * reward).sum(), (offline * reward).sum()
    assert j_on > j_off + 0.5 and e_on > e_off + 1.0
    print(f"pi(y5): ref {pi_ref[5].item():.3f}, offline {offline[5].item():.4f}, online {online[-1][5].item():.3f} "
          f"(pi* {pi_star[5].item():.3f}); E[r]: offline {e_off.item():.2f}, online {e_on.item():.2f}")


if __name__ == "__main__":
    main()
