"""Q67 · DPO's practical advantage over PPO: no sampling noise, and a per-pair gradient bounded by β.

PPO follows the gradient of J(π) = E_π[r] − β KL(π ‖ π_ref), which it must ESTIMATE from on-policy
samples. On a bandit with softmax logits z the exact gradient is (score-function identity)

    ∇_z J = E_{y~π}[ f(y) (e_y − π) ],   f(y) = r(y) − β log π(y)/π_ref(y),

and the n-sample estimate has variance Var_1 / n: noise that PPO fights with a critic, clipping and
large batches. DPO (Rafailov et al. 2023, arXiv:2305.18290, §4) differentiates a fixed classification
loss on logged pairs; its gradient with respect to each log-probability is β σ(r̂_l − r̂_w) ∈ (0, β):
bounded by β whatever the data, the reward scale or the log-probabilities.

Run: ``python -m snippets.q67_dpo_advantage``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import rlhf_objective
from snippets.q14_dpo_derivation import dpo_loss


def score_function_gradient(
    samples: torch.Tensor, logits: torch.Tensor, pi_ref: torch.Tensor, reward: torch.Tensor, beta: float
) -> torch.Tensor:
    """n-sample estimate of ∇_z J for the KL-regularised bandit objective, one estimate per row.

    Args:
        samples: sampled response indices y ~ softmax(logits), shape (R, n): R independent estimates of n samples.
        logits: policy logits z, shape (K,).
        pi_ref: reference probabilities, shape (K,).
        reward: rewards, shape (K,).
        beta: KL coefficient.

    Returns:
        estimates of ∇_z J, shape (R, K).
    """
    if not (logits.shape == pi_ref.shape == reward.shape) or samples.dim() != 2:
        raise ValueError(f"need samples (R, n) and logits, pi_ref, reward of equal shape (K,); got {tuple(samples.shape)}, {tuple(logits.shape)}, {tuple(pi_ref.shape)}, {tuple(reward.shape)}")
    pi = torch.softmax(logits, -1)
    # f(y) = r(y) − β log π(y)/π_ref(y)
    f = reward - beta * (pi.log() - pi_ref.log())
    # ∇_z log π(y) = e_y − π
    score = torch.nn.functional.one_hot(samples, logits.shape[0]).to(pi.dtype) - pi
    # ĝ = 1/n Σ_i f(y_i) (e_{y_i} − π)
    return (f[samples].unsqueeze(-1) * score).mean(dim=1)


def main() -> None:
    torch.manual_seed(0)
    k, beta = 6, 0.1
    pi_ref = torch.softmax(torch.randn(k, dtype=torch.float64), -1)
    reward = torch.randn(k, dtype=torch.float64)
    logits = torch.randn(k, dtype=torch.float64)
    pi = torch.softmax(logits, -1)

    # Exact gradient of J at the current policy, from autograd.
    z = logits.clone().requires_grad_(True)
    rlhf_objective(torch.softmax(z, -1), pi_ref, reward, beta).backward()
    exact = z.grad

    # 1. The score-function identity: E_π[f(y)(e_y − π)] equals the exact gradient (summed over y exactly).
    every_y = torch.arange(k).unsqueeze(-1)
    per_y = score_function_gradient(every_y, logits, pi_ref, reward, beta)
    assert torch.allclose((pi.unsqueeze(-1) * per_y).sum(0), exact, atol=1e-12)

    # 2. What PPO-style training sees is a sample estimate with variance Var_1/n (total variance over K).
    var_1 = (pi * (per_y - exact).pow(2).sum(-1)).sum()
    for n in (4, 16):
        est = score_function_gradient(torch.multinomial(pi, 4000 * n, replacement=True).view(4000, n), logits, pi_ref, reward, beta)
        assert (est.mean(0) - exact).norm() < 4 * (var_1 / (4000 * n)).sqrt()  # unbiased: error at the Monte Carlo scale
        mc_var = (est - exact).pow(2).sum(-1).mean()
        assert 0.85 < (mc_var / (var_1 / n)).item() < 1.15  # Var = Var_1 / n
    assert var_1 > 0.1 * exact.pow(2).sum()  # a single sample is a noisy estimate, not a small perturbation

    # 3. DPO's gradient on a fixed batch is a deterministic function of the data, and each pair's
    #    gradient with respect to log π_θ is β σ(r̂_l − r̂_w) < β, even for extreme log-probabilities.
    for scale in (1.0, 1e2, 1e4):
        pw = (scale * torch.randn(256, dtype=torch.float64)).requires_grad_(True)
        pl = (scale * torch.randn(256, dtype=torch.float64)).requires_grad_(True)
        ref_w, ref_l = scale * torch.randn(256, dtype=torch.float64), scale * torch.randn(256, dtype=torch.float64)
        dpo_loss(pw, pl, ref_w, ref_l, beta).sum().backward()
        assert torch.isfinite(pw.grad).all() and (pw.grad.abs() <= beta).all() and (pl.grad.abs() <= beta).all()
    print("policy-gradient estimate: unbiased, variance Var_1/n; DPO per-pair gradient: deterministic, |grad| <= beta")


if __name__ == "__main__":
    main()
