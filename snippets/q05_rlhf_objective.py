"""Q5 · The KL-regularised RLHF objective and its closed-form optimum.

For one prompt x with a finite set of responses (a bandit), the RLHF objective is

    J(π) = E_{y~π}[r(x, y)] − β · KL(π(·|x) ‖ π_ref(·|x)),

and its unique maximiser over all distributions is π*(y|x) = π_ref(y|x) · exp(r(x, y)/β) / Z(x)
(Ziebart et al. 2008; Rafailov et al. 2023, arXiv:2305.18290, eq. 4). The maximum value is β·log Z(x).

Run: ``python -m snippets.q05_rlhf_objective``
"""

from __future__ import annotations

import torch


def _check_bandit(pi: torch.Tensor, pi_ref: torch.Tensor, reward: torch.Tensor) -> None:
    if not (pi.shape == pi_ref.shape == reward.shape):
        raise ValueError(f"pi {tuple(pi.shape)}, pi_ref {tuple(pi_ref.shape)} and reward {tuple(reward.shape)} must match")


def rlhf_objective(pi: torch.Tensor, pi_ref: torch.Tensor, reward: torch.Tensor, beta: float) -> torch.Tensor:
    """KL-regularised objective J(π) = E_π[r] − β·KL(π‖π_ref) on a bandit.

    Args:
        pi: policy probabilities, shape (..., K), rows sum to 1.
        pi_ref: reference probabilities, shape (..., K), strictly positive.
        reward: reward of each of the K responses, shape (..., K).
        beta: KL coefficient β > 0.

    Returns:
        J(π), shape (...).
    """
    _check_bandit(pi, pi_ref, reward)
    # KL(π‖π_ref) = Σ_y π(y) [log π(y) − log π_ref(y)], with 0·log 0 = 0
    kl = torch.where(pi > 0, pi * (torch.log(pi.clamp_min(1e-300)) - torch.log(pi_ref)), torch.zeros_like(pi)).sum(-1)
    # J(π) = Σ_y π(y) r(y) − β KL
    return (pi * reward).sum(-1) - beta * kl


def optimal_policy(pi_ref: torch.Tensor, reward: torch.Tensor, beta: float) -> torch.Tensor:
    """Closed-form maximiser π*(y) = π_ref(y) exp(r(y)/β) / Z of the KL-regularised objective.

    Computed in log space (a softmax), so it is stable for any β > 0 and any reward scale.

    Args:
        pi_ref: reference probabilities, shape (..., K), strictly positive.
        reward: rewards, shape (..., K).
        beta: KL coefficient β > 0.

    Returns:
        π*, shape (..., K).
    """
    _check_bandit(pi_ref, pi_ref, reward)
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    # log π*(y) = log π_ref(y) + r(y)/β − log Z,  Z = Σ_y π_ref(y) exp(r(y)/β)
    return torch.softmax(torch.log(pi_ref) + reward / beta, dim=-1)


def log_partition(pi_ref: torch.Tensor, reward: torch.Tensor, beta: float) -> torch.Tensor:
    """log Z = log Σ_y π_ref(y) exp(r(y)/β), shape (...)."""
    _check_bandit(pi_ref, pi_ref, reward)
    # log Z = logsumexp_y (log π_ref(y) + r(y)/β)
    return torch.logsumexp(torch.log(pi_ref) + reward / beta, dim=-1)


def main() -> None:
    torch.manual_seed(0)
    k, beta = 8, 0.5
    pi_ref = torch.softmax(torch.randn(k, dtype=torch.float64), -1)
    reward = torch.randn(k, dtype=torch.float64)
    pi_star = optimal_policy(pi_ref, reward, beta)
    j_star = rlhf_objective(pi_star, pi_ref, reward, beta)

    # 1. The optimum's value is β·log Z (the objective equals −β·KL(π‖π*) + β log Z for every π).
    assert torch.allclose(j_star, beta * log_partition(pi_ref, reward, beta), atol=1e-12)

    # 2. No other distribution does better: 10,000 random policies all score below π*.
    others = torch.softmax(3 * torch.randn(10_000, k, dtype=torch.float64), -1)
    assert (rlhf_objective(others, pi_ref.expand_as(others), reward.expand_as(others), beta) < j_star).all()

    # 3. Stationarity: the gradient of J with respect to the softmax logits vanishes at π* (and not at π_ref).
    def grad_at(pi: torch.Tensor) -> torch.Tensor:
        logits = torch.log(pi).clone().requires_grad_(True)
        rlhf_objective(torch.softmax(logits, -1), pi_ref, reward, beta).backward()
        return logits.grad

    assert grad_at(pi_star).abs().max() < 1e-12
    assert grad_at(pi_ref).abs().max() > 1e-2

    # 4. Limits: β → ∞ keeps π_ref; β → 0 puts all mass on the argmax reward.
    assert torch.allclose(optimal_policy(pi_ref, reward, 1e6), pi_ref, atol=1e-5)
    assert optimal_policy(pi_ref, reward, 1e-3).argmax() == reward.argmax()
    assert optimal_policy(pi_ref, reward, 1e-3).max() > 0.999

    # 5. Exactness (Gibbs): J(π) = β log Z − β KL(π‖π*) for every π, so the optimum is not an assumption.
    log_z = log_partition(pi_ref, reward, beta)
    kl_to_star = (others * (others.log() - pi_star.log())).sum(-1)
    j_others = rlhf_objective(others, pi_ref.expand_as(others), reward.expand_as(others), beta)
    assert torch.allclose(j_others, beta * log_z - beta * kl_to_star, atol=1e-10)

    # 6. Sequences: a two-token autoregressive policy over a 3-token vocabulary (9 responses). The KL of whole
    #    responses equals the sum over positions of the expected per-token KL (chain rule), so the per-token
    #    penalty used in practice is the same objective, and the bandit closed form applies to whole responses.
    v = 3
    p1, q1 = torch.softmax(torch.randn(v, dtype=torch.float64), -1), torch.softmax(torch.randn(v, dtype=torch.float64), -1)
    p2, q2 = torch.softmax(torch.randn(v, v, dtype=torch.float64), -1), torch.softmax(torch.randn(v, v, dtype=torch.float64), -1)
    seq_p, seq_q = (p1[:, None] * p2).reshape(-1), (q1[:, None] * q2).reshape(-1)
    seq_kl = (seq_p * (seq_p.log() - seq_q.log())).sum()
    token_kl = (p1 * (p1.log() - q1.log())).sum() + (p1 * (p2 * (p2.log() - q2.log())).sum(-1)).sum()
    assert torch.allclose(seq_kl, token_kl, atol=1e-12)

    # 7. Only reward differences matter: adding a constant c to every reward (the Bradley–Terry free constant)
    #    leaves π* unchanged and shifts the optimal value β log Z by exactly c.
    assert torch.allclose(optimal_policy(pi_ref, reward + 4.2, beta), pi_star, atol=1e-12)
    assert torch.allclose(beta * log_partition(pi_ref, reward + 4.2, beta), j_star + 4.2, atol=1e-12)
    print(f"J(pi*) = {j_star.item():.4f} = beta*log Z; grad J(pi*) = 0; J(pi) = beta*log Z - beta*KL(pi||pi*)")


if __name__ == "__main__":
    main()
