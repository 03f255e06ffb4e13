"""Q51 · RLOO: REINFORCE with a leave-one-out baseline built from the other samples of the same prompt.

Kool, van Hoof & Welling (2019, "Buy 4 REINFORCE samples, get a baseline for free!") and Ahmadian et al.
(2024, arXiv:2402.14740) sample k responses per prompt, treat each whole response as one action, and use

    A_i = r_i − 1/(k − 1) Σ_{j≠i} r_j,        ĝ = 1/k Σ_i A_i ∇_θ log π_θ(y_i | x).

The baseline of sample i does not depend on y_i, so ĝ is an unbiased estimate of ∇_θ E[r]. Algebraically
A_i = k/(k − 1) · (r_i − mean(r)): the group-mean-centred advantage (GRPO without the std, Dr. GRPO) is
RLOO's scaled by (k − 1)/k — the same direction, a gradient shrunk by exactly that factor in expectation.

This module is the home of the RLOO advantage (used again in Q78).

Run: ``python -m snippets.q51_rloo``
"""

from __future__ import annotations

import itertools

import torch


# --8<-- [start:rloo_advantages]
def rloo_advantages(rewards: torch.Tensor) -> torch.Tensor:
    """Leave-one-out advantages A_i = r_i − mean_{j≠i} r_j within each prompt's group.

    Args:
        rewards: shape (N, k): N prompts, k ≥ 2 sampled responses each (sequence-level rewards,
            already including any KL penalty).

    Returns:
        advantages, shape (N, k). Each row sums to zero; a row of equal rewards gives zeros.
    """
    if rewards.dim() != 2 or rewards.shape[1] < 2:
        raise ValueError(f"rewards must have shape (N, k) with k >= 2, got {tuple(rewards.shape)}")
    k = rewards.shape[1]
    # baseline_i = (Σ_j r_j − r_i) / (k − 1), the mean of the other k − 1 rewards
    baseline = (rewards.sum(dim=1, keepdim=True) - rewards) / (k - 1)
    # A_i = r_i − baseline_i
    return rewards - baseline
# --8<-- [end:rloo_advantages]


def rloo_loss(seq_logp: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
    """REINFORCE-with-leave-one-out loss −1/(N k) Σ_{n,i} A_{n,i} log π_θ(y_{n,i} | x_n), to be minimised.

    Args:
        seq_logp: log π_θ(y|x) of each whole response (summed over its tokens), shape (N, k).
        rewards: sequence rewards, shape (N, k).

    Returns:
        scalar loss whose gradient is −ĝ (advantages are constants: no gradient flows into them).
    """
    if seq_logp.shape != rewards.shape:
        raise ValueError(f"seq_logp {tuple(seq_logp.shape)} and rewards {tuple(rewards.shape)} must match")
    # ĝ = 1/k Σ_i A_i ∇ log π(y_i|x), averaged over prompts
    return -(rloo_advantages(rewards).detach() * seq_logp).mean()


def main() -> None:
    torch.manual_seed(0)

    # 1. The identity r_i − mean_{j≠i} r_j = k/(k − 1) · (r_i − mean(r)); rows sum to 0.
    for k in (2, 4, 8):
        r = torch.randn(16, k, dtype=torch.float64)
        a = rloo_advantages(r)
        assert torch.allclose(a, k / (k - 1) * (r - r.mean(dim=1, keepdim=True)))
        assert torch.allclose(a.sum(dim=1), torch.zeros(16, dtype=torch.float64))
    assert (rloo_advantages(torch.full((3, 4), 0.7)) == 0).all()

    # 2. Unbiased, exactly: a 4-armed bandit, k = 3 samples, all 4^3 ordered draws enumerated.
    n_arms, k = 4, 3
    logits = torch.randn(n_arms, dtype=torch.float64, requires_grad=True)
    reward = 2.0 + torch.randn(n_arms, dtype=torch.float64)  # offset rewards: a baseline matters
    probs = torch.softmax(logits, -1)
    (true_grad,) = torch.autograd.grad((probs * reward).sum(), logits)

    draws = torch.tensor(list(itertools.product(range(n_arms), repeat=k)))  # (4^3, k)

    def estimator_moments(advantage_fn) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact E[ĝ] and E‖ĝ − Eĝ‖² of ĝ = 1/k Σ_i A_i ∇ log π(y_i) over all draws."""
        logp = torch.log_softmax(logits, -1)
        p_draw = logp[draws].sum(1).exp().detach()  # probability of each ordered k-tuple
        adv = advantage_fn(reward[draws])  # (4^3, k)
        grads = []
        for d in range(draws.shape[0]):
            (g_d,) = torch.autograd.grad((adv[d] * logp[draws[d]]).mean(), logits, retain_graph=True)
            grads.append(g_d)
        g = torch.stack(grads)
        mean = p_draw @ g
        return mean, p_draw @ ((g - mean) ** 2).sum(1)

    rloo_mean, rloo_var = estimator_moments(rloo_advantages)
    plain_mean, plain_var = estimator_moments(lambda r: r)  # vanilla REINFORCE, no baseline
    centred_mean, _ = estimator_moments(lambda r: r - r.mean(dim=1, keepdim=True))  # include-self mean
    assert torch.allclose(rloo_mean, true_grad) and torch.allclose(plain_mean, true_grad)
    # Including the sample in its own baseline shrinks the expected gradient by exactly (k − 1)/k.
    assert torch.allclose(centred_mean, (k - 1) / k * true_grad)
    # The free baseline cuts the variance of the update (here by more than half).
    assert rloo_var < 0.5 * plain_var

    # 3. rloo_loss's gradient is −ĝ for one sampled batch.
    seq_logp = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    r = torch.randn(5, 4, dtype=torch.float64)
    rloo_loss(seq_logp, r).backward()
    assert torch.allclose(seq_logp.grad, -rloo_advantages(r) / r.numel())
    print(f"RLOO = k/(k-1)(r - mean); unbiased; include-self mean gives (k-1)/k of the gradient; "
          f"variance {float(rloo_var):.3f} vs {float(plain_var):.3f} without baseline")


if __name__ == "__main__":
    main()
