"""Q17 · DPO vs PPO: offline fitting of the data vs on-policy optimisation of a reward model.

Both target the KL-regularised RLHF optimum (Rafailov et al. 2023, arXiv:2305.18290; Ouyang et al. 2022,
arXiv:2203.02155). They differ in *where* the learning signal reaches. DPO only moves the log-ratios of
responses that appear in its preference pairs. The PPO pipeline first fits a reward model, then optimises
it on the policy's *own* samples, so the reward model's extrapolation reaches responses that no annotator
ever saw — helpful when the reward model generalises correctly, harmful (reward hacking) when it latches
onto a spurious feature. On a bandit the PPO pipeline's end point is exact: π_ref exp(r_φ/β)/Z for the
fitted reward r_φ, which is where on-policy PPO converges; DPO is minimised by gradient descent.

Run: ``python -m snippets.q17_dpo_vs_ppo``
"""

from __future__ import annotations

import itertools

import torch

from snippets.q04_reward_model_training import reward_model_loss
from snippets.q05_rlhf_objective import optimal_policy
from snippets.q16_dpo_vs_rlhf_equivalence import population_dpo_loss


def fit_linear_reward_model(features: torch.Tensor, winners: torch.Tensor, losers: torch.Tensor, weights: torch.Tensor, l2: float = 1e-3, steps: int = 100, lr: float = 1.0) -> torch.Tensor:
    """Bradley–Terry maximum likelihood for a linear reward r_φ(y) = φ(y)·w (Ouyang et al. 2022, eq. 1).

    Args:
        features: φ(y) for the K responses, shape (K, D).
        winners: index of y_w in each pair, shape (P,).
        losers: index of y_l in each pair, shape (P,).
        weights: probability of each ordered pair, shape (P,).
        l2: ridge penalty that makes the fit unique when the data cannot separate two features.
        steps: number of gradient-descent steps (the loss is convex in w).
        lr: step size.

    Returns:
        w, shape (D,). Responses outside the pairs get the reward φ(y)·w: the model's extrapolation.
    """
    if features.dim() != 2 or not (winners.shape == losers.shape == weights.shape):
        raise ValueError("need features (K, D) and winners, losers, weights of one shape (P,)")
    w = torch.zeros(features.shape[1], dtype=features.dtype, requires_grad=True)
    for _ in range(steps):
        r = features @ w
        # L(w) = −Σ_p weight_p log σ(r(y_w) − r(y_l)) + l2 ‖w‖²
        loss = (weights * reward_model_loss(r[winners], r[losers])).sum() + l2 * (w * w).sum()
        (grad,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= lr * grad
    return w.detach()


def dpo_policy(pi_ref: torch.Tensor, winners: torch.Tensor, losers: torch.Tensor, weights: torch.Tensor, beta: float, steps: int = 150, lr: float = 2.0) -> torch.Tensor:
    """Tabular policy (one free logit per response) trained by gradient descent on the population DPO loss.

    Args:
        pi_ref: reference probabilities, shape (K,), strictly positive; also the starting point.
        winners: index of y_w in each pair, shape (P,).
        losers: index of y_l in each pair, shape (P,).
        weights: probability of each ordered pair, shape (P,).
        beta: β > 0.
        steps: number of gradient-descent steps.
        lr: step size.

    Returns:
        π_θ, shape (K,). Logits of responses that appear in no pair receive zero gradient.
    """
    logits = pi_ref.log().clone().requires_grad_(True)
    for _ in range(steps):
        loss = population_dpo_loss(torch.log_softmax(logits, -1), pi_ref.log(), winners, losers, weights, beta)
        (grad,) = torch.autograd.grad(loss, logits)
        with torch.no_grad():
            logits -= lr * grad
    return torch.softmax(logits.detach(), -1)


def main() -> None:
    torch.manual_seed(0)
    dt, beta = torch.float64, 0.2
    # Six responses described by two features: [substance, length]. The preference data only compares
    # y0–y3; y4 (substantive, never shown to annotators) and y5 (long but empty) are never labelled.
    features = torch.tensor([[0.0, 0.0], [0.5, 0.3], [1.0, 0.6], [0.2, 0.1], [2.0, 0.5], [0.0, 3.0]], dtype=dt)
    pi_ref = torch.full((6,), 1 / 6, dtype=dt)
    true_reward = features[:, 0].clone()  # the annotators value substance only
    pairs = torch.tensor(list(itertools.permutations(range(4), 2)))
    w, l = pairs[:, 0], pairs[:, 1]
    prefs = torch.sigmoid(true_reward[w] - true_reward[l])

    pi_dpo = dpo_policy(pi_ref, w, l, prefs, beta)
    # DPO never touches the unlabelled responses' logits: their probabilities move only through normalisation,
    # so their ratio to each other stays exactly π_ref's.
    assert torch.allclose(pi_dpo[4] / pi_dpo[5], pi_ref[4] / pi_ref[5], atol=1e-12)
    value = {}
    value["dpo"] = (pi_dpo * true_reward).sum()

    # Case A — the reward model sees the right feature and extrapolates correctly to y4.
    rm_a = fit_linear_reward_model(features[:, :1], w, l, prefs)
    pi_ppo_a = optimal_policy(pi_ref, features[:, :1] @ rm_a, beta)
    value["ppo_a"] = (pi_ppo_a * true_reward).sum()
    assert pi_ppo_a[4] > 0.5 > pi_dpo[4]
    assert value["ppo_a"] > value["dpo"] + 0.5

    # Case B — the reward model sees only length. In the labelled data length tracks substance, so the fit is
    # good there; on the policy's own samples it scores the long, empty y5 highest and PPO exploits it.
    rm_b = fit_linear_reward_model(features[:, 1:], w, l, prefs)
    fitted_b = features[:, 1:] @ rm_b
    in_data_agreement = ((fitted_b[w] > fitted_b[l]) == (true_reward[w] > true_reward[l])).double().mean()
    assert in_data_agreement == 1.0  # indistinguishable from case A on the data
    pi_ppo_b = optimal_policy(pi_ref, fitted_b, beta)
    value["ppo_b"] = (pi_ppo_b * true_reward).sum()
    assert pi_ppo_b[5] > 0.9
    assert value["ppo_b"] < value["dpo"] - 0.3
    print(" | ".join(f"{k}: E[r*] = {v.item():.3f}" for k, v in value.items()))


if __name__ == "__main__":
    main()
