"""Q57 · SPIN: self-play fine-tuning against your own previous iterate.

Chen et al. 2024 (arXiv:2401.01335). With SFT data y ~ p_data(·|x) as "real" and the previous model's
generations y' ~ p_θt(·|x) as "synthetic", iteration t+1 minimises

    L_SPIN(θ; θ_t) = E[ ℓ( λ log p_θ(y|x)/p_θt(y|x) − λ log p_θ(y'|x)/p_θt(y'|x) ) ],   ℓ(z) = log(1 + e^{−z}),

which is the DPO loss with the previous iterate as reference, β = λ and the pair (real ≻ synthetic). The paper
proves the objective's global optimum is reached only when p_θt = p_data. Checked here on a bandit:
the population gradient vanishes when the model already matches the data, and otherwise the exact minimiser
is p_θt+1 ∝ p_θt (p_data/p_θt)^{1/λ}, so iterating contracts log(p/p_data) by the factor 1 − 1/λ per round.

Run: ``python -m snippets.q57_spin``
"""

from __future__ import annotations

import torch

from snippets.q14_dpo_derivation import dpo_loss


def spin_loss(
    policy_real_logp: torch.Tensor,
    policy_synthetic_logp: torch.Tensor,
    opponent_real_logp: torch.Tensor,
    opponent_synthetic_logp: torch.Tensor,
    lam: float = 0.1,
) -> torch.Tensor:
    """Per-pair SPIN loss ℓ(λ log p_θ(y)/p_θt(y) − λ log p_θ(y')/p_θt(y')) with the logistic ℓ.

    Args:
        policy_real_logp: log p_θ(y|x) of the SFT ("real") response, shape (B,).
        policy_synthetic_logp: log p_θ(y'|x) of the opponent's generation, shape (B,).
        opponent_real_logp: log p_θt(y|x) under the frozen previous iterate, shape (B,).
        opponent_synthetic_logp: log p_θt(y'|x), shape (B,).
        lam: λ > 0 (the released configuration calls it ``beta`` and sets 0.1).

    Returns:
        loss per pair, shape (B,) — exactly ``dpo_loss`` with π_ref = p_θt and β = λ.
    """
    # ℓ(z) = log(1 + e^{−z}) = −log σ(z): DPO's loss with the opponent as reference
    return dpo_loss(policy_real_logp, policy_synthetic_logp, opponent_real_logp, opponent_synthetic_logp, lam)


def population_spin_loss(logits: torch.Tensor, opponent: torch.Tensor, p_data: torch.Tensor, lam: float) -> torch.Tensor:
    """E_{y~p_data, y'~p_θt}[SPIN loss] on a bandit with K responses.

    Args:
        logits: the trainable model's logits, shape (K,).
        opponent: p_θt, the previous iterate that generates the synthetic responses, shape (K,).
        p_data: the SFT data distribution, shape (K,).
        lam: λ > 0.

    Returns:
        scalar expected loss.
    """
    if not (logits.shape == opponent.shape == p_data.shape) or logits.dim() != 1:
        raise ValueError("logits, opponent and p_data must all have shape (K,)")
    k = logits.shape[0]
    logp = torch.log_softmax(logits, -1)
    real, synth = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
    real, synth = real.flatten(), synth.flatten()
    # weight of the pair (y = i real, y' = j synthetic) is p_data(i) · p_θt(j)
    weight = p_data[real] * opponent[synth]
    return (weight * spin_loss(logp[real], logp[synth], opponent.log()[real], opponent.log()[synth], lam)).sum()


def spin_iteration(opponent: torch.Tensor, p_data: torch.Tensor, lam: float, iters: int = 12) -> torch.Tensor:
    """One SPIN round: minimise the population loss from the opponent's logits by Newton's method.

    The loss is convex in the logits; the Hessian is singular only along the all-ones direction (adding a
    constant to every logit changes nothing), which a tiny ridge handles. Returns p_θt+1, shape (K,).
    """
    logits = opponent.log().clone()

    def f(z: torch.Tensor) -> torch.Tensor:
        return population_spin_loss(z, opponent, p_data, lam)

    ridge = 1e-10 * torch.eye(logits.shape[0], dtype=logits.dtype)
    for _ in range(iters):
        grad = torch.autograd.functional.jacobian(f, logits)
        hess = torch.autograd.functional.hessian(f, logits)
        # Newton step: z ← z − (H + εI)⁻¹ ∇L
        logits = logits - torch.linalg.solve(hess + ridge, grad)
    return torch.softmax(logits, -1)


def main() -> None:
    torch.manual_seed(0)
    dt, k = torch.float64, 6
    p_data = torch.softmax(torch.randn(k, dtype=dt), -1)
    p_sft = torch.softmax(torch.randn(k, dtype=dt), -1)  # the SFT model, not yet matching its data

    # 1. Fixed point: when the model's distribution equals the data's, real and synthetic responses are
    #    exchangeable, the expected gradient is exactly zero and the loss sits at log 2.
    logits = p_data.log().clone().requires_grad_(True)
    loss = population_spin_loss(logits, p_data, p_data, lam=0.5)
    (grad,) = torch.autograd.grad(loss, logits)
    assert grad.abs().max() < 1e-12 and torch.isclose(loss, torch.log(torch.tensor(2.0, dtype=dt)))
    logits = p_sft.log().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(population_spin_loss(logits, p_sft, p_data, lam=0.5), logits)
    assert grad.abs().max() > 1e-2  # away from the fixed point the data pull the model

    # 2. The exact one-round minimiser: p_θt+1 ∝ p_θt (p_data/p_θt)^{1/λ}.
    for lam in (1.0, 2.0):
        step = spin_iteration(p_sft, p_data, lam)
        predicted = torch.softmax(p_sft.log() + (p_data.log() - p_sft.log()) / lam, -1)
        assert torch.allclose(step, predicted, atol=1e-8)

    # 3. Iterating with λ = 2: each round halves log(p_t/p_data) (up to a constant), so p_t → p_data.
    lam, p = 2.0, p_sft
    gaps = []
    for _ in range(4):
        p = spin_iteration(p, p_data, lam)
        centred = p.log() - p_data.log()
        gaps.append((centred - centred.mean()).abs().max())
    ratios = torch.stack([gaps[i + 1] / gaps[i] for i in range(3)])
    assert torch.allclose(ratios, torch.full_like(ratios, 1 - 1 / lam), atol=1e-3)
    print(f"fixed point at p_theta = p_data; contraction per round {ratios.mean().item():.3f} (1 - 1/lambda = {1 - 1 / lam})")


if __name__ == "__main__":
    main()
