"""Q1 · The post-training pipeline on a toy problem: what SFT adds, and what preference optimisation adds.

One prompt, eight possible responses (a bandit). A "pretrained" policy mostly continues the text instead of
answering. Stage 1, SFT (cross-entropy on demonstrations), moves the mass onto answers — the format — but
only as good, on average, as the demonstrators: its optimum is their empirical distribution. Stage 2,
preference optimisation with a KL anchor to the SFT model (here DPO, Rafailov et al. 2023,
arXiv:2305.18290, eq. 7, on Bradley–Terry comparisons of SFT samples), reweights the SFT model towards
the better answers, exceeding the demonstrators, and lands on the KL-regularised optimum
π* = π_SFT exp(r/β)/Z (eq. 4). Skipping SFT and anchoring on the pretrained model at the same β does
worse, because π* can only reweight what its reference already produces. This is the InstructGPT
recipe (Ouyang et al. 2022, arXiv:2203.02155, §3.1) in miniature.

Run: ``python -m snippets.q01_post_training_pipeline``
"""

from __future__ import annotations

import torch

from snippets.q02_why_not_sft_alone import sft_loss, train_logits
from snippets.q05_rlhf_objective import optimal_policy
from snippets.q14_dpo_derivation import dpo_loss


def expected_reward(pi: torch.Tensor, reward: torch.Tensor) -> torch.Tensor:
    """E_{y~π}[r(y)] on a bandit: π and r of shape (K,) (or broadcastable (..., K)); returns shape (...)."""
    if pi.shape[-1] != reward.shape[-1]:
        raise ValueError(f"pi {tuple(pi.shape)} and reward {tuple(reward.shape)} disagree on K")
    # E_π[r] = Σ_y π(y) r(y)
    return (pi * reward).sum(-1)


def main() -> None:
    torch.manual_seed(0)
    beta = 1.0
    # Responses 0–1 continue the prompt instead of answering it; 2–7 are answers of rising quality.
    reward = torch.tensor([-2.0, -2.0, 0.0, 0.4, 0.8, 1.2, 1.6, 2.0], dtype=torch.float64)
    answers = reward > -2
    # Demonstrators always answer, more often with the plainer answers.
    demo_dist = torch.tensor([0, 0, 0.25, 0.25, 0.20, 0.15, 0.10, 0.05], dtype=torch.float64)
    # The pretrained model answers only 15% of the time, and then much as the demonstrators would.
    pi_pre = torch.tensor([0.5, 0.35, 0, 0, 0, 0, 0, 0], dtype=torch.float64) + 0.15 * demo_dist
    pretrained_logits = pi_pre.log()

    # Stage 1 — SFT on 2000 demonstrations.
    demos = torch.multinomial(demo_dist, 2000, replacement=True)
    sft_logits = train_logits(pretrained_logits, lambda z: sft_loss(z, demos), steps=150, lr=2.0)
    pi_sft = torch.softmax(sft_logits, -1)
    demo_quality = reward[demos].mean()

    # Stage 2 — preference optimisation: every ordered pair of SFT samples (a, b), weighted by how often it is
    # drawn and by the Bradley–Terry probability that a is preferred, is a (y_w, y_l) example for DPO.
    a, b = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
    a, b = a.reshape(-1), b.reshape(-1)
    weight = pi_sft[a] * pi_sft[b] * torch.sigmoid(reward[a] - reward[b])
    ref = pi_sft.log()

    def pref_loss(z: torch.Tensor) -> torch.Tensor:
        logp = torch.log_softmax(z, -1)
        return (weight * dpo_loss(logp[a], logp[b], ref[a], ref[b], beta)).sum() / weight.sum()

    pi_pref = torch.softmax(train_logits(sft_logits, pref_loss, steps=300, lr=10.0), -1)

    # 1. Pretraining alone rarely answers.
    assert pi_pre[answers].sum() < 0.2
    # 2. SFT adds the format: nearly all mass on answers...
    assert pi_sft[answers].sum() > 0.97
    # ...but not quality beyond the demonstrators: its mean reward matches theirs.
    assert (expected_reward(pi_sft, reward) - demo_quality).abs() < 0.05
    # 3. Preference optimisation adds quality: it beats the demonstrators by a wide margin...
    assert expected_reward(pi_pref, reward) > demo_quality + 0.25
    # ...and it lands on the KL-regularised optimum anchored at the SFT model.
    pi_star = optimal_policy(pi_sft, reward, beta)
    assert torch.allclose(pi_pref, pi_star, atol=0.01)
    # 4. The order matters: anchored on the pretrained model at the same β, the optimum is far worse.
    skip_sft = optimal_policy(pi_pre, reward, beta)
    assert expected_reward(skip_sft, reward) < expected_reward(pi_star, reward) - 0.3
    print(
        f"E[r]: pretrained {expected_reward(pi_pre, reward):.2f}, SFT {expected_reward(pi_sft, reward):.2f} "
        f"(demonstrators {demo_quality:.2f}), preference {expected_reward(pi_pref, reward):.2f}, "
        f"no-SFT optimum {expected_reward(skip_sft, reward):.2f}"
    )


if __name__ == "__main__":
    main()
