"""Q82 · SPIN's "expert" is the SFT data; its first step of every round is exactly a scaled SFT step.

SPIN (Chen et al. 2024, arXiv:2401.01335) treats responses y from the SFT data set as the expert ("real")
and the previous iterate's own generations y' ~ p_θt as the learner ("synthetic"), and minimises
E[ℓ(λ log p_θ(y)/p_θt(y) − λ log p_θ(y')/p_θt(y'))] with the logistic ℓ (home: Q57's
``population_spin_loss``). At the start of a round θ = θ_t, every log-ratio is 0 and ℓ'(0) = −1/2, so

    ∇_z L_SPIN |_{θ=θ_t} = −(λ/2) (p_data − p_θt) = (λ/2) ∇_z L_SFT |_{θ=θ_t}

on a bandit with logits z, where L_SFT = −E_{p_data}[log p_θ] is plain supervised fine-tuning on the same
data. SPIN needs no data beyond the SFT set; it departs from SFT only as the model moves within a round,
through the logistic weighting, and by regenerating its own opponent each round.

Run: ``python -m snippets.q82_spin_expert``
"""

from __future__ import annotations

import torch

from snippets.q57_spin import population_spin_loss


def sft_loss(logits: torch.Tensor, p_data: torch.Tensor) -> torch.Tensor:
    """Population SFT loss −Σ_y p_data(y) log p_θ(y) on a bandit (cross-entropy to the data distribution).

    Args:
        logits: model logits, shape (K,).
        p_data: SFT data distribution, shape (K,).

    Returns:
        scalar loss.
    """
    if logits.shape != p_data.shape or logits.dim() != 1:
        raise ValueError(f"logits {tuple(logits.shape)} and p_data {tuple(p_data.shape)} must both be (K,)")
    # L_SFT = −Σ_y p_data(y) log softmax(z)_y
    return -(p_data * torch.log_softmax(logits, -1)).sum()


def main() -> None:
    torch.manual_seed(0)
    k = 8
    dt = torch.float64
    p_data = torch.softmax(torch.randn(k, dtype=dt), -1)  # the human/SFT responses: the "expert"

    for lam in (0.1, 1.0, 5.0):
        opponent = torch.softmax(torch.randn(k, dtype=dt), -1)  # p_θt, whose samples are the "synthetic" side
        z = opponent.log().clone().requires_grad_(True)
        (g_spin,) = torch.autograd.grad(population_spin_loss(z, opponent, p_data, lam), z)
        z = opponent.log().clone().requires_grad_(True)
        (g_sft,) = torch.autograd.grad(sft_loss(z, p_data), z)
        # 1. At θ = θ_t the SPIN gradient is (λ/2) × the SFT gradient, which is −(p_data − p_θt).
        assert torch.allclose(g_spin, lam / 2 * g_sft, atol=1e-12)
        assert torch.allclose(g_sft, -(p_data - opponent), atol=1e-12)

    # 2. Away from θ_t (within a round) the two part ways, because the logistic weights saturate on pairs
    #    the model already separates. At SFT's optimum (p_θ = p_data) the SFT gradient is zero, while SPIN
    #    with λ = 5 still pushes (its round optimum is p_θt (p_data/p_θt)^{1/λ}, Q57).
    opponent = torch.softmax(torch.randn(k, dtype=dt), -1)
    z = p_data.log().clone().requires_grad_(True)
    (g_spin,) = torch.autograd.grad(population_spin_loss(z, opponent, p_data, 5.0), z)
    z = p_data.log().clone().requires_grad_(True)
    (g_sft,) = torch.autograd.grad(sft_loss(z, p_data), z)
    assert g_sft.abs().max() < 1e-12 and g_spin.abs().max() > 1e-2

    # 3. The expert is the data, not a reward: if the "expert" responses are the model's own samples
    #    (p_data = p_θt), SPIN has nothing to learn — zero gradient — however good or bad those samples are.
    z = opponent.log().clone().requires_grad_(True)
    (g_self,) = torch.autograd.grad(population_spin_loss(z, opponent, opponent, 1.0), z)
    assert g_self.abs().max() < 1e-12
    print("SPIN's gradient at the start of each round = (lambda/2) x SFT gradient on the same data")


if __name__ == "__main__":
    main()
