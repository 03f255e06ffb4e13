"""Q21 · KTO: alignment from unpaired thumbs-up / thumbs-down labels with a prospect-theory value function.

Ethayarajh et al. 2024 (arXiv:2402.01306). Each example is one (x, y) labelled desirable or undesirable.
With the implicit reward r_θ(x, y) = log π_θ(y|x)/π_ref(y|x) and a reference point z_0 = KL(π_θ ‖ π_ref),

    v(x, y) = λ_D σ(β (r_θ(x, y) − z_0))   if y is desirable
              λ_U σ(β (z_0 − r_θ(x, y)))   if y is undesirable
    L_KTO   = E_{(x,y)~D} [ λ_y − v(x, y) ].

z_0 is estimated per batch from *mismatched* pairs (y of one example scored under another example's x),
clamped at 0 and not back-propagated. The default weights are symmetric, λ_D = λ_U = 1 (paper code and
TRL); the paper recommends keeping λ_D n_D / (λ_U n_U) in [1, 4/3] (eq. 8) when the classes are unbalanced.

Run: ``python -m snippets.q21_kto``
"""

from __future__ import annotations

import torch


def kto_reference_point(mismatched_policy_logp: torch.Tensor, mismatched_ref_logp: torch.Tensor) -> torch.Tensor:
    """Batch estimate ẑ_0 = max(0, mean_i log π_θ(y_j|x_i)/π_ref(y_j|x_i)), detached, shape ().

    Args:
        mismatched_policy_logp: log π_θ(y_j|x_i) for mismatched pairs (j ≠ i, e.g. j = i + 1 mod m), shape (M,).
        mismatched_ref_logp: log π_ref(y_j|x_i) for the same pairs, shape (M,).

    Returns:
        a scalar tensor ≥ 0 that carries no gradient (KTO does not back-propagate through z_0).
    """
    if mismatched_policy_logp.shape != mismatched_ref_logp.shape or mismatched_policy_logp.dim() != 1:
        raise ValueError(
            f"need two log-prob vectors of the same shape (M,), got {tuple(mismatched_policy_logp.shape)} and {tuple(mismatched_ref_logp.shape)}"
        )
    # ẑ_0 = max(0, 1/M Σ log π_θ(y_j|x_i)/π_ref(y_j|x_i)), with no gradient
    return (mismatched_policy_logp - mismatched_ref_logp).mean().clamp_min(0).detach()


def kto_loss(
    policy_logp: torch.Tensor,
    ref_logp: torch.Tensor,
    desirable: torch.Tensor,
    z0: torch.Tensor,
    beta: float = 0.1,
    lambda_d: float = 1.0,
    lambda_u: float = 1.0,
) -> torch.Tensor:
    """Per-example KTO loss λ_y − v(x, y) (Ethayarajh et al. 2024).

    Args:
        policy_logp: log π_θ(y|x), shape (B,).
        ref_logp: log π_ref(y|x), shape (B,).
        desirable: bool, shape (B,): True for a thumbs-up example, False for thumbs-down. No pairing needed.
        z0: reference point, a scalar tensor (see :func:`kto_reference_point`); it is detached here too.
        beta: β > 0, the sharpness of the value function (paper code and TRL default 0.1).
        lambda_d: λ_D, weight of desirable examples (default 1).
        lambda_u: λ_U, weight of undesirable examples (default 1).

    Returns:
        loss per example, shape (B,), each in [0, λ_y]; take ``.mean()`` for the batch loss.
    """
    if policy_logp.shape != ref_logp.shape or policy_logp.shape != desirable.shape or policy_logp.dim() != 1:
        raise ValueError(
            f"policy_logp, ref_logp and desirable must share shape (B,), got {tuple(policy_logp.shape)}, {tuple(ref_logp.shape)}, {tuple(desirable.shape)}"
        )
    if z0.dim() != 0:
        raise ValueError(f"z0 must be a scalar tensor, got shape {tuple(z0.shape)}")
    desirable = desirable.bool()
    # --8<-- [start:kto]
    # r_θ(x, y) = log π_θ(y|x) − log π_ref(y|x), measured against the reference point z_0 (no gradient)
    gain = policy_logp - ref_logp - z0.detach()
    # v = λ_D σ(β(r − z_0)) for desirable y, λ_U σ(β(z_0 − r)) for undesirable y
    value = torch.where(desirable, lambda_d * torch.sigmoid(beta * gain), lambda_u * torch.sigmoid(-beta * gain))
    # L_KTO = λ_y − v(x, y)
    return torch.where(desirable, torch.full_like(value, lambda_d), torch.full_like(value, lambda_u)) - value
    # --8<-- [end:kto]


def kto_weight_range(n_desirable: int, n_undesirable: int, lambda_u: float = 1.0) -> tuple[float, float]:
    """Range of λ_D that keeps λ_D n_D / (λ_U n_U) in [1, 4/3] (Ethayarajh et al. 2024, eq. 8).

    Returns:
        (lowest, highest) recommended λ_D for the given class counts and λ_U.
    """
    if n_desirable <= 0 or n_undesirable <= 0 or lambda_u <= 0:
        raise ValueError(f"counts and lambda_u must be positive, got {n_desirable}, {n_undesirable}, {lambda_u}")
    # 1 ≤ λ_D n_D / (λ_U n_U) ≤ 4/3
    base = lambda_u * n_undesirable / n_desirable
    return base, 4.0 / 3.0 * base


def main() -> None:
    torch.manual_seed(0)
    beta = 0.1
    f64 = dict(dtype=torch.float64)

    # 1. Unpaired data: a batch of three thumbs-up and one thumbs-down for *different* prompts is a valid batch.
    ref = torch.randn(4, **f64) - 20.0
    pol = (ref + 0.5 * torch.randn(4, **f64)).requires_grad_(True)
    label = torch.tensor([True, True, False, True])
    z0 = kto_reference_point(torch.randn(4, **f64) - 20.0, torch.randn(4, **f64) - 20.0)
    loss = kto_loss(pol, ref, label, z0, beta)
    loss.sum().backward()
    # Gradient descent raises log π_θ of every desirable y and lowers it for every undesirable y.
    assert (pol.grad[label] < 0).all() and (pol.grad[~label] > 0).all()
    # Each loss lies in [0, λ_y]: the value function is bounded, unlike DPO's −log σ.
    assert ((loss >= 0) & (loss <= 1)).all()

    # 2. z_0 carries no gradient: the mismatched log-probs that estimate it receive none.
    mis = torch.randn(4, **f64).requires_grad_(True)
    z = kto_reference_point(mis + 1.0, torch.zeros(4, **f64))
    kto_loss(pol.detach().requires_grad_(True), ref, label, z, beta).sum().backward()
    assert mis.grad is None and z.requires_grad is False
    # ... and it is clamped at 0: a policy that (in the estimate) moved *towards* lower likelihood gives z_0 = 0.
    assert kto_reference_point(torch.full((4,), -3.0, **f64), torch.zeros(4, **f64)).item() == 0.0

    # 3. Reference dependence: only r − z_0 matters. Shifting both by c leaves every loss unchanged, and an
    #    example exactly at the reference point sits at half its weight, whatever z_0 is.
    r = torch.linspace(-50, 50, 101, dtype=torch.float64)
    both = torch.tensor([True, False]).repeat_interleave(101)
    rr = r.repeat(2)
    for c in (0.0, 2.5, 7.0):
        assert torch.allclose(
            kto_loss(rr + c, torch.zeros_like(rr), both, torch.tensor(c, **f64), beta),
            kto_loss(rr, torch.zeros_like(rr), both, torch.tensor(0.0, **f64), beta),
            atol=1e-12,
        )
        at_ref = kto_loss(torch.tensor([c, c], **f64), torch.zeros(2, **f64), torch.tensor([True, False]), torch.tensor(c, **f64), beta, 1.0, 2.0)
        assert torch.allclose(at_ref, torch.tensor([0.5, 1.0], **f64))
    # Raising the reference point makes the same desirable example a smaller "gain" (higher loss).
    one = torch.tensor([3.0], **f64)
    assert kto_loss(one, torch.zeros(1, **f64), torch.tensor([True]), torch.tensor(2.0, **f64), beta) > kto_loss(
        one, torch.zeros(1, **f64), torch.tensor([True]), torch.tensor(0.0, **f64), beta
    )

    # 4. Saturation: the gradient λβσ(·)(1 − σ(·)) peaks at r = z_0 and vanishes far from it on either side,
    #    so examples the model already handles — or badly contradicts (possibly mislabelled) — barely move it.
    rg = r.clone().requires_grad_(True)
    kto_loss(rg, torch.zeros_like(rg), torch.ones(101, dtype=torch.bool), torch.tensor(0.0, **f64), beta).sum().backward()
    g = rg.grad.abs()
    assert g.argmax().item() == 50 and torch.isclose(g.max(), torch.tensor(beta / 4, **f64))
    assert g[0] < 0.05 * g.max() and g[-1] < 0.05 * g.max()  # at |r − z_0| = 50 = 5/β
    big = kto_loss(torch.tensor([1e4, -1e4], **f64), torch.zeros(2, **f64), torch.tensor([True, False]), torch.tensor(0.0, **f64), beta)
    assert torch.isfinite(big).all() and (big < 1e-12).all()

    # 5. The weights set how much total push each class gets. At the start of training (r = z_0 = 0) every
    #    example's gradient has size λ_y β/4, so the ratio of total pushes is exactly λ_D n_D / (λ_U n_U).
    n_d, n_u = 100, 1000  # 90% of the desirable examples thrown away, as in the paper's imbalance study
    lo, hi = kto_weight_range(n_d, n_u)
    assert abs(lo - 10.0) < 1e-12 and abs(hi - 40.0 / 3.0) < 1e-12
    lo_bal, hi_bal = kto_weight_range(500, 500)
    assert lo_bal <= 1.0 <= hi_bal  # balanced data: the defaults λ_D = λ_U = 1 are in range
    lab = torch.cat([torch.ones(n_d, dtype=torch.bool), torch.zeros(n_u, dtype=torch.bool)])
    for lam_d in (1.0, lo, hi):
        x = torch.zeros(n_d + n_u, **f64, requires_grad=True)
        kto_loss(x, torch.zeros_like(x), lab, torch.tensor(0.0, **f64), beta, lam_d, 1.0).sum().backward()
        push = x.grad[lab].abs().sum() / x.grad[~lab].abs().sum()
        assert torch.isclose(push, torch.tensor(lam_d * n_d / (1.0 * n_u), **f64))
    print(f"KTO: unpaired labels, bounded per-example loss, z0 detached; for 100 good / 1000 bad use lambda_D in [{lo:.1f}, {hi:.1f}]")


if __name__ == "__main__":
    main()
