"""Q83 · The online-DPO step — sample from the current policy, judge, DPO — and the choice of reference.

Online DPO (Guo et al. 2024, arXiv:2402.04792, "OAIF") repeats: sample two responses from the CURRENT
policy, let a judge (an LLM annotator, a reward model) label the pair, take a DPO step. Q58 shows why the
fresh samples matter (offline pairs never reach responses outside the data; its loop is imported here).
The facet checked here is the other design choice inside the step: which reference the DPO loss uses.

  * Fixed reference π_0 (OAIF): every round's population optimum is π_0 exp(r/β)/Z, so the loop settles
    at the RLHF optimum π*_β and stays there.
  * Reference refreshed to the previous round's model (iterative DPO, each round fine-tuning the last):
    round t's optimum is π_t exp(r/β)/Z, so after K rounds π_K ∝ π_0 exp(K r/β) — the RLHF optimum
    for β/K. The KL anchor weakens every round and the policy keeps sharpening toward argmax r.

Run: ``python -m snippets.q83_online_dpo_step``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q60_best_of_n import kl_divergence
from snippets.q58_online_dpo import bradley_terry_pairs, iterative_dpo


def effective_beta(beta: float, rounds: int, refresh_reference: bool) -> float:
    """KL strength of the policy an exactly-optimised online DPO loop reaches after ``rounds`` rounds.

    Args:
        beta: DPO's β in every round.
        rounds: number of sample → judge → DPO rounds, ≥ 1.
        refresh_reference: True if each round uses the previous round's model as π_ref.

    Returns:
        β_eff such that the loop's policy is π_0 exp(r/β_eff)/Z: β if the reference is fixed, β/rounds if not.
    """
    if rounds < 1 or beta <= 0:
        raise ValueError(f"need rounds >= 1 and beta > 0, got rounds={rounds}, beta={beta}")
    # fixed: π_K = π_0 e^{r/β}/Z ;  refreshed: π_K = π_0 e^{K r/β}/Z
    return beta / rounds if refresh_reference else beta


def main() -> None:
    torch.manual_seed(0)
    k, beta, rounds = 6, 1.0, 4
    dt = torch.float64
    logits = torch.randn(k, dtype=dt)  # the initial policy, which is also the first reference
    pi0 = torch.softmax(logits, -1)
    reward = torch.randn(k, dtype=dt)  # the judge labels pairs by Bradley–Terry on this reward

    def judge(pi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return bradley_terry_pairs(pi, reward)  # the two responses are drawn from the CURRENT policy

    fixed = iterative_dpo(logits, judge, rounds=rounds, steps=200, beta=beta, lr=3.0)
    moving = iterative_dpo(logits, judge, rounds=rounds, steps=200, beta=beta, lr=3.0, refresh_reference=True)

    for t in range(rounds):
        # 1. Fixed reference: every round sits at the RLHF optimum for β.
        assert (fixed[t] - optimal_policy(pi0, reward, effective_beta(beta, t + 1, False))).abs().max() < 2e-3
        # 2. Refreshed reference: round t+1 sits at the RLHF optimum for β/(t+1).
        assert (moving[t] - optimal_policy(pi0, reward, effective_beta(beta, t + 1, True))).abs().max() < 2e-3

    # 3. So the refreshed loop's KL to the starting model grows every round, and its mass on the top-reward
    #    response rises past the fixed-reference optimum's, while the fixed loop's KL stays put.
    kl_fixed = torch.stack([kl_divergence(p, pi0) for p in fixed])
    kl_moving = torch.stack([kl_divergence(p, pi0) for p in moving])
    assert (kl_moving.diff() > 0).all() and kl_moving[-1] > kl_fixed[-1] + 0.1 and (kl_fixed.diff().abs() < 1e-2).all()
    top = int(reward.argmax())
    assert moving[-1][top] > fixed[-1][top] + 0.05
    print(f"fixed reference -> pi*_beta every round (KL {kl_fixed[-1]:.3f}); "
          f"refreshed reference -> pi*_(beta/K) (KL {kl_moving[0]:.3f} -> {kl_moving[-1]:.3f})")


if __name__ == "__main__":
    main()
