"""Q79 · RLVR's R is a verifiable Reward — and its KL-regularised optimum is π_ref conditioned on "accepted".

Tülu 3 (Lambert et al. 2024, arXiv:2411.15124, §6) names RLVR: keep the RLHF objective
E[r] − β KL(π ‖ π_ref) but replace the reward model with a verifier, r(x, y) = α·v(x, y), v ∈ {0, 1}
(α = 10; final β = 0.05 for the 8B model). The exact optimum π* ∝ π_ref exp(α v/β) (Q5) then has two
properties that explain both its appeal and its limits:

  * inside the accepted set, π*(·|accepted) = π_ref(·|accepted) for EVERY β: the verifier cannot
    prefer one accepted answer to another, so a false positive keeps exactly its reference share;
  * the accepted mass is σ(α/β + logit p) with p = π_ref(accepted); at α/β = 200 it is 1 to machine
    precision, π* is π_ref restricted to accepted answers, and KL(π* ‖ π_ref) = −log p.

So RLVR "at the limit" is rejection sampling against the verifier, with KL cost −log p per prompt, and it
is exactly as trustworthy as the verifier's accept set (Baker et al. 2025, arXiv:2503.11926).

Run: ``python -m snippets.q79_rlvr_r``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy


def accepted_mass(p_accept: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
    """Probability the KL-regularised optimum puts on verifier-accepted responses.

    Args:
        p_accept: π_ref(accepted | x), shape (...), values in (0, 1).
        alpha: reward for an accepted response (0 otherwise).
        beta: KL coefficient β > 0.

    Returns:
        π*(accepted | x) = p e^{α/β} / (p e^{α/β} + 1 − p), shape (...).
    """
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    # π*(A) = σ(α/β + log p − log(1 − p)), computed in log space (no overflow at α/β = 200)
    return torch.sigmoid(alpha / beta + torch.log(p_accept) - torch.log1p(-p_accept))


def main() -> None:
    torch.manual_seed(0)
    k = 12
    dt = torch.float64
    pi_ref = torch.softmax(torch.randn(k, dtype=dt), -1)
    correct = torch.zeros(k, dtype=torch.bool)
    correct[:3] = True
    hedge = 3  # a wrong answer the verifier also accepts (e.g. "the answer is 3 or 4 or 5")
    accepted = correct.clone()
    accepted[hedge] = True
    reward = 10.0 * accepted.to(dt)  # Tülu 3: α = 10 for a verified answer, 0 otherwise
    p = pi_ref[accepted].sum()

    for beta in (20.0, 5.0, 1.0, 0.05):
        pi_star = optimal_policy(pi_ref, reward, beta)
        # 1. The accepted mass matches the closed form ...
        assert torch.allclose(pi_star[accepted].sum(), accepted_mass(p, 10.0, beta), atol=1e-12)
        # 2. ... and within the accepted set the optimum is the reference, renormalised: the hedge keeps
        #    exactly its reference share of the accepted mass at every β.
        assert torch.allclose(pi_star[accepted] / pi_star[accepted].sum(), pi_ref[accepted] / p, atol=1e-12)
        share = pi_star[hedge] / pi_star[accepted].sum()
        assert torch.isclose(share, pi_ref[hedge] / p)

    # 3. Tülu 3's scale (α/β = 200): π* is π_ref conditioned on acceptance, and its KL is −log p.
    pi_star = optimal_policy(pi_ref, reward, 0.05)
    cond = torch.where(accepted, pi_ref / p, torch.zeros_like(pi_ref))
    assert torch.allclose(pi_star, cond, atol=1e-12)
    kl = (pi_star[accepted] * (pi_star[accepted] / pi_ref[accepted]).log()).sum()
    assert torch.allclose(kl, -p.log(), atol=1e-12)
    # The verifier's pass rate is then ~1, but true accuracy is capped at π_ref(correct)/π_ref(accepted) < 1.
    true_acc = pi_star[correct].sum()
    assert pi_star[accepted].sum() > 1 - 1e-12 and true_acc < 1 - pi_ref[hedge] / p + 1e-12 and true_acc < 0.99

    # 4. A prompt the reference never solves (constant reward) gives no signal: π* = π_ref.
    assert torch.allclose(optimal_policy(pi_ref, torch.zeros(k, dtype=dt), 0.05), pi_ref, atol=1e-15)
    print(f"RLVR optimum = pi_ref conditioned on acceptance (KL = -log p = {(-p.log()).item():.3f}); "
          f"verifier pass rate 1.0, true accuracy {true_acc.item():.3f}")


if __name__ == "__main__":
    main()
