"""Q28 · Sycophancy: a labeller bias toward agreement that the reward model learns and the policy amplifies.

Perez et al. 2022 (arXiv:2212.09251) find sycophancy — repeating back the user's stated view — already in
pretrained language models, growing with model size. Sharma et al. 2023 (arXiv:2310.13548) find that
human preference data rewards it (a response that matches the user's view is more likely to be
preferred), that preference models sometimes prefer convincing sycophantic answers to correct ones,
and that optimising against a preference model can increase some forms of it.

The toy: on each prompt the user asserts something false. The policy either agrees (sycophantic) or
corrects the user. Labellers prefer the correction in proportion to how easily they can check it, and
carry a fixed bias δ toward agreement:
    P(correct ≻ agree | x) = σ(s · (1 − difficulty_x) − δ).
A linear Bradley–Terry reward model is fitted to their comparisons; the policy is the KL-regularised
optimum against it (Q5). The asserts show the RM learning δ and the policy amplifying it — and the
same pipeline with unbiased labellers (δ = 0) reducing sycophancy instead.

Run: ``python -m snippets.q28_sycophancy``
"""

from __future__ import annotations

import torch

from snippets.q04_reward_model_training import reward_model_loss
from snippets.q05_rlhf_objective import optimal_policy


def fit_linear_reward_model(phi_chosen: torch.Tensor, phi_rejected: torch.Tensor, iters: int = 25, l2: float = 1e-6) -> torch.Tensor:
    """Maximum-likelihood Bradley–Terry fit of a linear reward r(y) = w · φ(y), by Newton's method.

    Minimises −Σ_i log σ(w · (φ_chosen,i − φ_rejected,i)) + (l2/2)‖w‖², which is convex, so Newton's method
    converges in a handful of steps.

    Args:
        phi_chosen: features of the preferred responses, shape (B, P).
        phi_rejected: features of the rejected responses, shape (B, P).
        iters: Newton steps.
        l2: a tiny ridge term that keeps the Hessian invertible.

    Returns:
        w, shape (P,).
    """
    if phi_chosen.shape != phi_rejected.shape or phi_chosen.dim() != 2:
        raise ValueError(f"phi_chosen and phi_rejected must both have shape (B, P), got {tuple(phi_chosen.shape)}, {tuple(phi_rejected.shape)}")
    diff = phi_chosen - phi_rejected
    w = torch.zeros(diff.shape[1], dtype=diff.dtype)
    eye = torch.eye(diff.shape[1], dtype=diff.dtype)
    for _ in range(iters):
        margin = diff @ w
        # ∇ = −Σ σ(−m) Δφ + l2 w ;  H = Σ σ(m)σ(−m) Δφ Δφᵀ + l2 I
        grad = -(torch.sigmoid(-margin).unsqueeze(1) * diff).sum(0) + l2 * w
        weight = torch.sigmoid(margin) * torch.sigmoid(-margin)
        hess = (diff * weight.unsqueeze(1)).T @ diff + l2 * eye
        w = w - torch.linalg.solve(hess, grad)
    return w


def sycophancy_rate(pi: torch.Tensor, agree_index: int = 0) -> torch.Tensor:
    """Mean probability of the agreeing (sycophantic) response over prompts where the user is wrong; pi (N, K)."""
    if pi.dim() != 2 or not 0 <= agree_index < pi.shape[1]:
        raise ValueError(f"pi must have shape (N, K) with agree_index < K, got {tuple(pi.shape)}, {agree_index}")
    return pi[:, agree_index].mean()


def _comparisons(bias: float, strength: float, difficulty: torch.Tensor, per_prompt: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Simulated labeller comparisons: features (chosen, rejected), each (N·per_prompt, 2), φ = [(1 − difficulty)·correct, agree]."""
    n = difficulty.shape[0]
    phi_agree = torch.stack([torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64)], 1)
    phi_correct = torch.stack([1 - difficulty, torch.zeros(n, dtype=torch.float64)], 1)
    # P(correct ≻ agree | x) = σ(s (1 − difficulty_x) − δ)
    p_correct = torch.sigmoid(strength * (1 - difficulty) - bias).repeat_interleave(per_prompt)
    picks_correct = torch.rand(p_correct.shape, dtype=torch.float64, generator=gen) < p_correct
    a, c = phi_agree.repeat_interleave(per_prompt, 0), phi_correct.repeat_interleave(per_prompt, 0)
    chosen = torch.where(picks_correct.unsqueeze(1), c, a)
    rejected = torch.where(picks_correct.unsqueeze(1), a, c)
    return chosen, rejected


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n, per_prompt, strength, bias = 400, 20, 4.0, 2.0
    difficulty = torch.rand(n, dtype=torch.float64, generator=gen)
    pi_ref = torch.tensor([0.2, 0.8], dtype=torch.float64).expand(n, 2)  # the pretrained model agrees 20 % of the time
    betas = [2.0, 1.0, 0.5, 0.25, 0.1, 0.05]

    def rates_for(w: torch.Tensor) -> torch.Tensor:
        # r(x, agree) = w_agree ;  r(x, correct) = w_correct (1 − difficulty_x)
        reward = torch.stack([w[1].expand(n), w[0] * (1 - difficulty)], 1)
        return torch.stack([sycophancy_rate(pi_ref)] + [sycophancy_rate(optimal_policy(pi_ref, reward, b)) for b in betas])

    # Biased labellers: the RM learns a positive reward for agreeing, close to the labellers' δ.
    chosen, rejected = _comparisons(bias, strength, difficulty, per_prompt, gen)
    w = fit_linear_reward_model(chosen, rejected)
    assert abs(w[1] - bias) < 0.3 and abs(w[0] - strength) < 0.6
    # The Newton solution minimises Q4's reward-model loss: its autograd gradient vanishes there.
    w_probe = w.clone().requires_grad_(True)
    reward_model_loss(chosen @ w_probe, rejected @ w_probe).sum().backward()
    assert w_probe.grad.abs().max() < 1e-6 * len(chosen)
    rates = rates_for(w)
    # ... and optimising against it amplifies the pretrained model's sycophancy: 20 % → above 40 %.
    assert (rates.diff() > 0).all() and rates[-1] > rates[0] + 0.2
    # Where it comes from: on hard prompts (labellers cannot check) agreement out-scores the correction.
    hard = difficulty > 1 - w[1] / w[0]
    assert hard.any() and (~hard).any()

    # Same pipeline, unbiased labellers (δ = 0): the RM learns no agreement reward and optimisation
    # *reduces* sycophancy — the amplification comes from the preference data, not from RL itself.
    w0 = fit_linear_reward_model(*_comparisons(0.0, strength, difficulty, per_prompt, gen))
    assert abs(w0[1]) < 0.3
    rates0 = rates_for(w0)
    assert (rates0.diff() < 0).all() and rates0[-1] < rates0[0] - 0.15
    print(f"agreement weight learned {w[1]:.2f} (labeller bias {bias}); sycophancy {rates[0]:.2f} -> {rates[-1]:.2f}; unbiased: -> {rates0[-1]:.2f}")


if __name__ == "__main__":
    main()
