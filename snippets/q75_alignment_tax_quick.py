"""Q75 · The alignment tax comes from shared parameters, and PPO-ptx buys part of it back.

InstructGPT (Ouyang et al. 2022, arXiv:2203.02155, eq. 2) maximises

    E_{x~D_RL, y~π}[ r(x,y) − β log π(y|x)/π_SFT(y|x) ] + γ E_{x~D_pretrain}[ log π(x) ]

("PPO-ptx"; γ = 0 is plain PPO). The tax appears because one set of weights serves every input:
moving them to please the reward model on alignment prompts also moves the model's distribution on
capability data. The toy: a log-linear policy π_θ(y|x) ∝ π_ref(y|x) exp(φ(x,y)·θ) with ONE shared θ,
an alignment prompt x_a with a reward, and capability data d(y) for a prompt x_c. Asserts: at γ = 0 the capability NLL rises (the tax);
increasing γ lowers the tax monotonically and costs reward on x_a monotonically.

Run: ``python -m snippets.q75_alignment_tax_quick``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import rlhf_objective


def ptx_objective(
    theta: torch.Tensor,
    feats_a: torch.Tensor,
    logref_a: torch.Tensor,
    reward_a: torch.Tensor,
    feats_c: torch.Tensor,
    logref_c: torch.Tensor,
    data_c: torch.Tensor,
    beta: float,
    gamma: float,
) -> torch.Tensor:
    """PPO-ptx objective (to maximise) for a log-linear policy with shared parameters θ.

    Args:
        theta: shared parameters, shape (D,).
        feats_a: features φ(x_a, y) of the K responses to the alignment prompt, shape (K, D).
        logref_a: log π_ref(y|x_a), shape (K,).
        reward_a: r(x_a, y), shape (K,).
        feats_c: features φ(x_c, y) of the K responses to the capability prompt, shape (K, D).
        logref_c: log π_ref(y|x_c), shape (K,).
        data_c: empirical distribution of capability ("pretraining") data over responses to x_c, shape (K,).
        beta: KL coefficient β.
        gamma: pretraining-loss coefficient γ (0 = plain PPO).

    Returns:
        scalar J(θ) = E_{π(·|x_a)}[r] − β KL(π(·|x_a) ‖ π_ref) + γ E_{y~d}[log π(y|x_c)].
    """
    if feats_a.shape != feats_c.shape or feats_a.shape[1:] != theta.shape or not (logref_a.shape == logref_c.shape == reward_a.shape == data_c.shape == feats_a.shape[:1]):
        raise ValueError("shapes disagree: need theta (D,), feats (K, D), and (K,) for logrefs, reward and data")
    # π_θ(y|x) = softmax(log π_ref(y|x) + φ(x,y)·θ)
    pi_a = torch.softmax(logref_a + feats_a @ theta, -1)
    logpi_c = torch.log_softmax(logref_c + feats_c @ theta, -1)
    # J = E_π[r] − β KL on x_a  (Q5's objective)  +  γ Σ_y d(y) log π(y|x_c)
    return rlhf_objective(pi_a, logref_a.exp(), reward_a, beta) + gamma * (data_c * logpi_c).sum()


def main() -> None:
    torch.manual_seed(0)
    k, d, beta = 10, 4, 1.0
    dt = torch.float64
    shared = torch.randn(k, d, dtype=dt)  # the same response "skills" appear under both prompts ...
    feats_a, feats_c = shared + 0.3 * torch.randn(k, d, dtype=dt), shared + 0.3 * torch.randn(k, d, dtype=dt)
    logref_a, logref_c = torch.log_softmax(torch.randn(k, dtype=dt), -1), torch.log_softmax(torch.randn(k, dtype=dt), -1)
    reward_a = torch.randn(k, dtype=dt)
    data_c = logref_c.exp()  # capability data drawn from the reference model's own distribution on x_c

    def solve(gamma: float) -> torch.Tensor:
        theta = torch.zeros(d, dtype=dt, requires_grad=True)
        opt = torch.optim.LBFGS([theta], lr=1, max_iter=100, tolerance_grad=1e-10, tolerance_change=1e-14, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = -ptx_objective(theta, feats_a, logref_a, reward_a, feats_c, logref_c, data_c, beta, gamma)
            loss.backward()
            return loss

        opt.step(closure)
        return theta.detach()

    def evaluate(theta: torch.Tensor) -> tuple[float, float]:
        pi_a = torch.softmax(logref_a + feats_a @ theta, -1)
        nll_c = -(data_c * torch.log_softmax(logref_c + feats_c @ theta, -1)).sum()
        return (pi_a * reward_a).sum().item(), nll_c.item()

    _, nll_ref = evaluate(torch.zeros(d, dtype=dt))
    results = {g: evaluate(solve(g)) for g in (0.0, 0.1, 0.3, 1.0, 3.0)}
    reward = [results[g][0] for g in results]
    tax = [results[g][1] - nll_ref for g in results]

    # 1. Plain RL (γ = 0) raises the reward on x_a and pays a tax: capability NLL up by more than 0.1 nats.
    assert reward[0] > (logref_a.exp() * reward_a).sum().item() + 0.2 and tax[0] > 0.1
    # 2. PPO-ptx: a larger γ lowers the tax at every step and lowers the reward at every step.
    assert all(t1 > t2 for t1, t2 in zip(tax, tax[1:])) and all(r1 > r2 for r1, r2 in zip(reward, reward[1:]))
    # 3. At γ = 3 more than half of the tax is gone (and, by 2, part of the reward gain with it).
    assert tax[-1] < 0.5 * tax[0]
    # 4. The γ = 0 solution is a stationary point of the PPO objective (LBFGS converged).
    theta0 = solve(0.0).requires_grad_(True)
    ptx_objective(theta0, feats_a, logref_a, reward_a, feats_c, logref_c, data_c, beta, 0.0).backward()
    assert theta0.grad.abs().max() < 1e-7
    print("shared weights: RL on x_a raises NLL on capability data; gamma>0 (PPO-ptx) trades reward for a smaller tax: "
          + ", ".join(f"gamma={g}: tax {t:.3f}" for g, t in zip(results, tax)))


if __name__ == "__main__":
    main()
