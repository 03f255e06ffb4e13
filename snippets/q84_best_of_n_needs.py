"""Q84 · What best-of-n needs: n samples per query and a scorer — and the scorer caps what n can buy.

Best-of-n draws n responses from the policy and returns the one a scorer ranks highest; its exact
distribution is Q60's ``best_of_n_distribution`` (Beirami et al. 2024, arXiv:2401.01879). No training is
involved, so everything rests on the two ingredients:

  * with a perfect verifier (reward = correctness) it returns a correct answer whenever one was sampled:
        P(correct) = 1 − (1 − p)^n  = pass@n,   p = π(correct | x);
  * with an imperfect reward model it converges, as n grows, to "is the scorer's favourite correct?":
        lim_{n→∞} P(correct | x) = 1[argmax_{y: π(y|x)>0} r̂(x, y) is correct],
    so accuracy plateaus at the scorer's own top-1 accuracy, however much compute is spent.

Lightman et al. 2023 (arXiv:2305.20050) compare process- and outcome-reward models in exactly this role.

Run: ``python -m snippets.q84_best_of_n_needs``
"""

from __future__ import annotations

import torch

from snippets.q60_best_of_n import best_of_n_distribution


def best_of_n_accuracy(pi: torch.Tensor, scores: torch.Tensor, correct: torch.Tensor, n: int) -> torch.Tensor:
    """Exact probability that best-of-n under ``scores`` returns a correct response, averaged over prompts.

    Args:
        pi: the policy, shape (P, K): P prompts, K possible responses each.
        scores: the scorer's value of every response, shape (P, K) (ties are broken in proportion to π).
        correct: True for correct responses, shape (P, K).
        n: samples per prompt, n >= 1.

    Returns:
        scalar accuracy.
    """
    if not (pi.shape == scores.shape == correct.shape) or pi.dim() != 2:
        raise ValueError(f"pi, scores and correct must share one shape (P, K), got {tuple(pi.shape)}, {tuple(scores.shape)}, {tuple(correct.shape)}")
    # P(correct) = Σ_{y correct} π_BoN(y), per prompt, then averaged
    per_prompt = torch.stack([best_of_n_distribution(pi[i], scores[i], n)[correct[i]].sum() for i in range(pi.shape[0])])
    return per_prompt.mean()


def main() -> None:
    torch.manual_seed(0)
    p_count, k = 120, 10
    dt = torch.float64
    pi = torch.softmax(torch.randn(p_count, k, dtype=dt), -1)
    correct = torch.zeros(p_count, k, dtype=torch.bool)
    correct[:, :3] = True  # three correct answers per prompt
    verifier = correct.to(dt)  # a perfect checker
    reward_model = correct.to(dt) + 0.8 * torch.randn(p_count, k, dtype=dt)  # a noisy learned scorer
    p_correct = (pi * correct).sum(-1)

    for n in (1, 4, 16, 256):
        # 1. With a perfect verifier best-of-n is pass@n: 1 − (1 − p)^n, exactly.
        assert torch.allclose(best_of_n_accuracy(pi, verifier, correct, n), (1 - (1 - p_correct) ** n).mean(), atol=1e-12)

    # 2. With a noisy reward model accuracy rises with n but then settles at the scorer's top-1 accuracy
    #    (it may even peak slightly above it at moderate n and come back down: Goodhart at inference time).
    ceiling = correct.gather(1, reward_model.argmax(1, keepdim=True)).to(dt).mean()
    accs = [best_of_n_accuracy(pi, reward_model, correct, n) for n in (1, 4, 16, 256, 4096)]
    assert accs[0] + 0.2 < accs[1] < accs[2] and max(accs) < ceiling + 0.02
    assert (accs[-1] - ceiling).abs() < 1e-3 and ceiling < 0.9
    # 3. At n = 256 the verifier is essentially always right, the reward model well below it.
    assert best_of_n_accuracy(pi, verifier, correct, 256) > 0.999 and accs[3] < 0.85
    print(f"verifier: pass@n; reward model: {accs[0]:.2f} -> {accs[-1]:.2f}, capped at its top-1 accuracy {ceiling:.2f}")


if __name__ == "__main__":
    main()
