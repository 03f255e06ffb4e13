"""Q38 · Reward-model biases, measured: length and confident tone learned from the preference data.

A Bradley–Terry reward model learns whatever predicts the labels. Two routes lead to a length bias:
(1) the labellers themselves favour longer (or more assertive) answers — Hosking et al. 2023
(arXiv:2309.16349) found that assertiveness skews human judgements of factuality; (2) the labels are
unbiased but length correlates with quality while the RM sees quality only noisily, so length becomes a
useful proxy. Singhal et al. 2023 (arXiv:2310.03716) show RM scores strongly correlated with length and
that RLHF's reward gains come largely from longer outputs.

A linear RM r(y) = w·φ(y) is fitted here by maximum likelihood (Newton's method on the BT loss). The
asserts check that it learns significantly positive length and confidence coefficients under biased
labels (and none under unbiased ones), that route (2) also produces a length coefficient, and that
best-of-n against such an RM buys length.

Run: ``python -m snippets.q38_reward_model_biases``
"""

from __future__ import annotations

import torch


def fit_linear_bt(phi_w: torch.Tensor, phi_l: torch.Tensor, iters: int = 25, ridge: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """Maximum-likelihood linear reward model under Bradley–Terry, by Newton's method.

    P(y_w ≻ y_l) = σ(w·(φ(y_w) − φ(y_l))); the negative log-likelihood is convex in w.

    Args:
        phi_w: features of the preferred responses, shape (N, D).
        phi_l: features of the rejected responses, shape (N, D).

    Returns:
        (w, standard_error), both shape (D,); the standard errors come from the inverse Fisher information.
    """
    if phi_w.shape != phi_l.shape or phi_w.dim() != 2:
        raise ValueError(f"phi_w and phi_l must both be (N, D), got {tuple(phi_w.shape)} and {tuple(phi_l.shape)}")
    x = (phi_w - phi_l).to(torch.float64)
    n, d = x.shape
    w = torch.zeros(d, dtype=torch.float64)
    eye = torch.eye(d, dtype=torch.float64)
    for _ in range(iters):
        p = torch.sigmoid(x @ w)
        # ∇ NLL = Xᵀ(σ(Xw) − 1)/N   (every label is "first one wins")
        grad = x.T @ (p - 1.0) / n
        # Hessian = Xᵀ diag(σ(1 − σ)) X / N
        hess = (x * (p * (1 - p))[:, None]).T @ x / n + ridge * eye
        w = w - torch.linalg.solve(hess, grad)
    p = torch.sigmoid(x @ w)
    fisher = (x * (p * (1 - p))[:, None]).T @ x
    return w, torch.linalg.inv(fisher).diagonal().sqrt()


def label_pairs(phi_a: torch.Tensor, phi_b: torch.Tensor, labeller_w: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample BT labels with the labeller's weights; return (features of winner, features of loser)."""
    if phi_a.shape != phi_b.shape or labeller_w.shape != phi_a.shape[-1:]:
        raise ValueError("phi_a and phi_b must be (N, D) and labeller_w (D,)")
    # P(a ≻ b) = σ(u·(φ(a) − φ(b)))
    a_wins = torch.rand(len(phi_a), generator=gen, dtype=torch.float64) < torch.sigmoid((phi_a - phi_b) @ labeller_w)
    return torch.where(a_wins[:, None], phi_a, phi_b), torch.where(a_wins[:, None], phi_b, phi_a)


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n = 8000
    QUAL, LEN, CONF = 0, 1, 2

    def responses() -> torch.Tensor:  # features: quality, standardised length, confident tone
        return torch.randn(n, 3, generator=gen, dtype=torch.float64)

    # Route 1: labellers reward length and confident tone on top of quality.
    a, b = responses(), responses()
    w, se = fit_linear_bt(*label_pairs(a, b, torch.tensor([2.0, 0.8, 0.5], dtype=torch.float64), gen))
    assert w[LEN] > 0.4 and w[LEN] > 5 * se[LEN]  # significantly positive length coefficient
    assert w[CONF] > 0.2 and w[CONF] > 5 * se[CONF]
    # Control: unbiased labellers → no length or tone coefficient beyond noise.
    w0, se0 = fit_linear_bt(*label_pairs(a, b, torch.tensor([2.0, 0.0, 0.0], dtype=torch.float64), gen))
    assert abs(w0[LEN]) < 3 * se0[LEN] + 0.02 and abs(w0[CONF]) < 3 * se0[CONF] + 0.02

    # Route 2: unbiased labels, but length correlates with quality (ρ = 0.6) and the RM sees quality only
    # through a noisy feature. Length then predicts the label, and the RM learns to pay for it.
    rho, noise_sd = 0.6, 1.0

    def correlated() -> tuple[torch.Tensor, torch.Tensor]:
        q = torch.randn(n, generator=gen, dtype=torch.float64)
        length = rho * q + (1 - rho**2) ** 0.5 * torch.randn(n, generator=gen, dtype=torch.float64)
        true = torch.stack([q, length], dim=1)
        seen = torch.stack([q + noise_sd * torch.randn(n, generator=gen, dtype=torch.float64), length], dim=1)
        return true, seen

    (ta, sa), (tb, sb) = correlated(), correlated()
    a_wins = torch.rand(n, generator=gen, dtype=torch.float64) < torch.sigmoid(2.0 * (ta[:, 0] - tb[:, 0]))
    w2, se2 = fit_linear_bt(torch.where(a_wins[:, None], sa, sb), torch.where(a_wins[:, None], sb, sa))
    assert w2[1] > 0.3 and w2[1] > 5 * se2[1]
    # The ratio follows the Gaussian regression E[q | q̂, ℓ] = a q̂ + b ℓ with b/a = ρ s²/(1 − ρ²).
    assert abs(w2[1] / w2[0] - rho * noise_sd**2 / (1 - rho**2)) < 0.2

    # Consequence: best-of-16 against the biased RM of route 1 picks longer answers than best-of-16
    # against the true quality, at lower true quality.
    cands = torch.randn(2000, 16, 3, generator=gen, dtype=torch.float64)
    by_rm = (cands @ w).argmax(-1)
    by_gold = cands[..., QUAL].argmax(-1)
    pick = lambda idx, f: cands[torch.arange(2000), idx, f].mean()  # noqa: E731
    assert pick(by_rm, LEN) > pick(by_gold, LEN) + 0.4
    assert pick(by_rm, QUAL) < pick(by_gold, QUAL) - 0.1
    print(
        f"route 1: w_len {float(w[LEN]):.2f}±{float(se[LEN]):.2f}, w_conf {float(w[CONF]):.2f}±{float(se[CONF]):.2f} "
        f"(unbiased control {float(w0[LEN]):+.2f}); route 2: w_len {float(w2[1]):.2f}±{float(se2[1]):.2f}; "
        f"best-of-16 length {float(pick(by_rm, LEN)):.2f} vs {float(pick(by_gold, LEN)):.2f}"
    )


if __name__ == "__main__":
    main()
