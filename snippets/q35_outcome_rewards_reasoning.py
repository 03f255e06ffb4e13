"""Q35 · Why reasoning RL uses outcome rewards — and why a verifier is still a proxy.

DeepSeek-R1 (arXiv:2501.12948) trains with rule-based accuracy and format rewards and avoids neural
reward models because they get hacked in large-scale RL. A programmatic check removes the learned RM's
errors, but it does not make hacking impossible: agents subvert unit tests (Baker et al. 2025,
arXiv:2503.11926) and any loophole the checker has is a response the policy can find.

On a batch of bandit prompts (K responses each, a few correct) this module compares the KL-regularised
optimum π* ∝ π_ref exp(r/β) (closed form from Q5) under three rewards: an exact verifier, a verifier with
a loophole on some prompts, and a learned reward model (correctness plus noise). It also checks the cost
of outcome rewards: a group of G samples that all pass or all fail gives GRPO no signal at all.

Run: ``python -m snippets.q35_outcome_rewards_reasoning``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q12_grpo import group_advantages


def expected_gold(pi_ref: torch.Tensor, proxy: torch.Tensor, gold: torch.Tensor, beta: float) -> torch.Tensor:
    """Gold reward E_{π*}[r_gold] of the KL-regularised optimum for the proxy reward, per prompt.

    Args:
        pi_ref: reference policy, shape (M, K).
        proxy: reward the policy is optimised against, shape (M, K).
        gold: true reward (here: 1 if correct, 0 otherwise), shape (M, K).
        beta: KL coefficient β > 0; small β means strong optimisation.

    Returns:
        shape (M,).
    """
    if not (pi_ref.shape == proxy.shape == gold.shape):
        raise ValueError(f"pi_ref {tuple(pi_ref.shape)}, proxy {tuple(proxy.shape)} and gold {tuple(gold.shape)} must match")
    # π*(y) = π_ref(y) exp(r_proxy(y)/β) / Z ;  E_{π*}[r_gold] = Σ_y π*(y) r_gold(y)
    return (optimal_policy(pi_ref, proxy, beta) * gold).sum(dim=-1)


def zero_signal_probability(pass_rate: torch.Tensor, group_size: int) -> torch.Tensor:
    """P(all G outcome rewards equal) = ρ^G + (1 − ρ)^G: the chance a prompt's group carries no advantage."""
    # P(no signal) = ρ^G + (1 − ρ)^G
    return pass_rate**group_size + (1 - pass_rate) ** group_size


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    m, k, n_correct, hack_mass = 500, 64, 8, 0.03
    hack = k - 1  # the loophole response, e.g. a program that makes the test runner exit early

    # π_ref: a pass rate ρ per prompt spread over 8 correct responses; the hack has mass 0.03.
    rho = 0.02 + 0.48 * torch.rand(m, 1, generator=gen, dtype=torch.float64)
    w = torch.rand(m, k, generator=gen, dtype=torch.float64) + 0.1
    pi_ref = torch.empty(m, k, dtype=torch.float64)
    pi_ref[:, :n_correct] = rho * w[:, :n_correct] / w[:, :n_correct].sum(1, keepdim=True)
    pi_ref[:, n_correct:hack] = (1 - rho - hack_mass) * w[:, n_correct:hack] / w[:, n_correct:hack].sum(1, keepdim=True)
    pi_ref[:, hack] = hack_mass
    correct = torch.zeros(m, k, dtype=torch.bool)
    correct[:, :n_correct] = True
    is_hack = torch.zeros(m, k, dtype=torch.bool)
    is_hack[:, hack] = True
    assert torch.allclose(pi_ref.sum(-1), torch.ones(m, dtype=torch.float64))

    gold = correct.to(torch.float64)
    loophole = torch.rand(m, generator=gen) < 0.3  # prompts whose checker accepts the hack
    exact = gold
    leaky = torch.where(loophole[:, None] & is_hack, 1.0, gold)
    learned_rm = gold + 1.0 * torch.randn(m, k, generator=gen, dtype=torch.float64)

    beta = 0.05
    g_exact = expected_gold(pi_ref, exact, gold, beta).mean()
    g_leaky = expected_gold(pi_ref, leaky, gold, beta).mean()
    g_rm = expected_gold(pi_ref, learned_rm, gold, beta).mean()
    # 1. An exact verifier cannot be exploited; a learned RM is exploited badly; a leaky verifier sits in
    #    between: far better than the RM, but strictly worse than exact, i.e. hacking is still possible.
    assert g_exact > 0.99
    assert g_leaky < g_exact - 0.02 and g_rm < g_leaky - 0.2

    # 2. The hack is found by optimisation pressure: its probability on loophole prompts grows as β falls.
    hack_prob = [optimal_policy(pi_ref[loophole], leaky[loophole], b)[:, hack].mean() for b in (1.0, 0.3, 0.1)]
    assert all(a < b for a, b in zip(hack_prob, hack_prob[1:])) and hack_prob[-1] > 4 * hack_mass

    # 3. The price of outcome rewards is sparsity: with G samples per prompt, a group that all pass or
    #    all fail gets advantage exactly 0 from GRPO, with probability ρ^G + (1 − ρ)^G.
    g_size, n_prompts = 8, 20_000
    pass_rate = torch.rand(n_prompts, 1, generator=gen, dtype=torch.float64)
    outcomes = (torch.rand(n_prompts, g_size, generator=gen, dtype=torch.float64) < pass_rate).to(torch.float64)
    silent = (group_advantages(outcomes) == 0).all(dim=1).double().mean()
    assert abs(silent - zero_signal_probability(pass_rate, g_size).mean()) < 0.01
    print(
        f"gold under beta={beta}: exact verifier {float(g_exact):.3f}, leaky verifier {float(g_leaky):.3f}, "
        f"learned RM {float(g_rm):.3f}; hack prob {[round(float(h), 3) for h in hack_prob]}; "
        f"groups with no signal (G={g_size}): {float(silent):.3f}"
    )


if __name__ == "__main__":
    main()
