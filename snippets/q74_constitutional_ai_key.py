"""Q74 · Constitutional AI's key move: AI feedback against written principles, as SOFT preference labels.

In RL-CAI (Bai et al. 2022, arXiv:2212.08073, §4.1) a feedback model is shown a principle and two
responses and asked which is better; the normalised probabilities it assigns to "(A)" and "(B)" become
the preference-model target p. A preference model trained with the soft-label Bradley–Terry
cross-entropy

    L(Δ) = p · (−log σ(Δ)) + (1 − p) · (−log σ(−Δ)),   Δ = r_A − r_B,

has its unique minimum at Δ* = log(p / (1 − p)): the AI's confidence becomes a FINITE reward gap. With
chain-of-thought labels, whose probabilities come out near 0 or 1, the paper clamps them to 40–60 %,
which caps the gap at |Δ*| ≤ log(0.6/0.4) ≈ 0.405. Hard 0/1 labels have no finite minimiser at all.
(The full SL-CAI → RL-CAI pipeline is Q32's facet.)

Run: ``python -m snippets.q74_constitutional_ai_key``
"""

from __future__ import annotations

import math

import torch

from snippets.q04_reward_model_training import reward_model_loss


def ai_preference_label(logp_a: torch.Tensor, logp_b: torch.Tensor, clamp: tuple[float, float] | None = None) -> torch.Tensor:
    """Soft label p = P(A better) from the feedback model's log-probabilities of the answers "(A)" and "(B)".

    Args:
        logp_a: log-probability the feedback model gives to option (A), shape (B,).
        logp_b: log-probability of option (B), shape (B,).
        clamp: optional (low, high), e.g. (0.4, 0.6) for chain-of-thought labels.

    Returns:
        p, shape (B,), in (0, 1).
    """
    if logp_a.shape != logp_b.shape:
        raise ValueError(f"logp_a {tuple(logp_a.shape)} and logp_b {tuple(logp_b.shape)} must match")
    # p = e^{ℓ_A} / (e^{ℓ_A} + e^{ℓ_B}) = σ(ℓ_A − ℓ_B)
    p = torch.sigmoid(logp_a - logp_b)
    return p.clamp(*clamp) if clamp is not None else p


def soft_preference_loss(r_a: torch.Tensor, r_b: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Soft-label Bradley–Terry loss p·(−log σ(r_A − r_B)) + (1 − p)·(−log σ(r_B − r_A)), shape (B,).

    Built from Q4's per-pair ``reward_model_loss`` (hard label) applied in both directions.
    """
    if not (r_a.shape == r_b.shape == p.shape):
        raise ValueError(f"r_a, r_b and p must share one shape (B,), got {tuple(r_a.shape)}, {tuple(r_b.shape)}, {tuple(p.shape)}")
    # L = p·ℓ(A ≻ B) + (1 − p)·ℓ(B ≻ A)
    return p * reward_model_loss(r_a, r_b) + (1 - p) * reward_model_loss(r_b, r_a)


def main() -> None:
    torch.manual_seed(0)
    # Feedback-model log-probabilities of "(A)" and "(B)" for 64 comparisons.
    logp_a, logp_b = torch.randn(64, dtype=torch.float64) - 1.0, torch.randn(64, dtype=torch.float64) - 1.0
    p = ai_preference_label(logp_a, logp_b)

    # 1. The optimum reward gap is the label's log-odds: gradient zero at Δ* = log(p/(1−p)) (autograd),
    #    and the loss is higher on either side.
    delta = torch.log(p / (1 - p)).requires_grad_(True)
    soft_preference_loss(delta, torch.zeros_like(delta), p).sum().backward()
    assert delta.grad.abs().max() < 1e-12
    base = soft_preference_loss(delta.detach(), torch.zeros(64, dtype=torch.float64), p)
    for shift in (-0.3, 0.3):
        assert (soft_preference_loss(delta.detach() + shift, torch.zeros(64, dtype=torch.float64), p) > base).all()

    # 2. Clamping chain-of-thought labels to [0.4, 0.6] caps the learned gap at log 1.5 ≈ 0.405.
    confident = ai_preference_label(torch.tensor([0.0, -9.0], dtype=torch.float64), torch.tensor([-9.0, 0.0], dtype=torch.float64), clamp=(0.4, 0.6))
    gaps = torch.log(confident / (1 - confident))
    assert torch.allclose(gaps.abs(), torch.full((2,), math.log(1.5), dtype=torch.float64))

    # 3. A hard label (p = 1) has no finite optimum: the loss keeps decreasing as the gap grows.
    one = torch.ones(1, dtype=torch.float64)
    losses = torch.stack([soft_preference_loss(torch.tensor([d], dtype=torch.float64), torch.zeros(1, dtype=torch.float64), one) for d in (1.0, 5.0, 20.0)])
    assert (losses.diff() < 0).all() and (losses > 0).all()

    # 4. Sanity: the soft loss with p ∈ {0, 1} is Q4's hard-label loss.
    r_a, r_b = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    assert torch.allclose(soft_preference_loss(r_a, r_b, torch.ones(8, dtype=torch.float64)), reward_model_loss(r_a, r_b))
    print("soft AI labels -> finite reward gap log(p/(1-p)); clamped CoT labels cap it at log 1.5")


if __name__ == "__main__":
    main()
