"""Q27 · Mode collapse: optimisation against a reward model concentrates each prompt's output distribution.

The KL-regularised optimum π*(y|x) ∝ π_ref(y|x) exp(r(x,y)/β) (Q5) sharpens toward each prompt's
highest-reward responses as β shrinks, so the entropy of π(·|x) falls. Kirk et al. 2023
(arXiv:2310.06452) measure this in real RLHF: compared with SFT, RLHF reduces *per-input* diversity (how
different several samples for one prompt are) strongly, and *across-input* diversity (how different the
outputs for different prompts are) less consistently. The toy shows why the two differ: outputs for
different prompts stay apart because they are about different topics, even when each prompt's
output distribution has collapsed onto the same rewarded style.

Run: ``python -m snippets.q27_mode_collapse``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from snippets.q05_rlhf_objective import optimal_policy


def mean_entropy(pi: torch.Tensor) -> torch.Tensor:
    """Average entropy −Σ_y π(y|x) log π(y|x) over prompts, for π of shape (N, K); 0·log 0 = 0."""
    if pi.dim() != 2:
        raise ValueError(f"pi must have shape (N, K), got {tuple(pi.shape)}")
    # H(π(·|x)) = −Σ_y π log π
    plogp = torch.where(pi > 0, pi * torch.log(pi.clamp_min(1e-300)), torch.zeros_like(pi))
    return -plogp.sum(-1).mean()


def output_diversity(pi: torch.Tensor, emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-input and across-input diversity as 1 − expected cosine similarity of two sampled outputs.

    per-input:    1 − E_x E_{y,y' ~ π(·|x)} cos(e(x,y), e(x,y'))            (two samples, same prompt)
    across-input: 1 − E_{x≠x'} E_{y~π(·|x), y'~π(·|x')} cos(e(x,y), e(x',y'))  (samples for different prompts)

    The two samples are independent, so a prompt whose π(·|x) is a point mass has per-input diversity 0.
    This mirrors the embedding-similarity diversity of Kirk et al. 2023 (they also use n-gram and NLI metrics).

    Args:
        pi: output distributions, shape (N, K): N prompts, K candidate responses each.
        emb: response embeddings e(x, y), shape (N, K, D).

    Returns:
        (per_input, across_input), scalars.
    """
    if pi.dim() != 2 or emb.dim() != 3 or emb.shape[:2] != pi.shape or pi.shape[0] < 2:
        raise ValueError(f"need pi (N, K) with N >= 2 and emb (N, K, D); got {tuple(pi.shape)}, {tuple(emb.shape)}")
    unit = F.normalize(emb, dim=-1)
    # mean embedding under π per prompt: m_x = Σ_y π(y|x) e(x,y)/‖e‖; E cos = m_x · m_x'
    mean_vec = torch.einsum("nk,nkd->nd", pi, unit)
    sims = mean_vec @ mean_vec.T  # (N, N): expected cosine between a sample for x and one for x'
    n = pi.shape[0]
    per_input = 1 - sims.diagonal().mean()
    across_input = 1 - (sims.sum() - sims.diagonal().sum()) / (n * (n - 1))
    return per_input, across_input


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n_prompts, k, dim = 8, 12, 16
    # Response y to prompt x = topic of x + style y. Styles are shared by all prompts.
    topics = F.normalize(torch.randn(n_prompts, dim, dtype=torch.float64, generator=gen), dim=-1)
    styles = F.normalize(torch.randn(k, dim, dtype=torch.float64, generator=gen), dim=-1)
    emb = topics[:, None, :] + styles[None, :, :]
    pi_ref = torch.softmax(0.5 * torch.randn(n_prompts, k, dtype=torch.float64, generator=gen), dim=-1)
    # The reward model mostly scores style, the same way for every prompt, plus a prompt-specific part.
    reward = torch.randn(k, dtype=torch.float64, generator=gen) + 0.5 * torch.randn(n_prompts, k, dtype=torch.float64, generator=gen)

    betas = [10.0, 1.0, 0.3, 0.1, 0.03]
    pis = [pi_ref] + [optimal_policy(pi_ref, reward, b) for b in betas]
    entropy = torch.stack([mean_entropy(p) for p in pis])
    per_input, across_input = (torch.stack(t) for t in zip(*(output_diversity(p, emb) for p in pis)))

    # Signature 1: the entropy of each prompt's output distribution falls by more than 90 %. (Not
    # necessarily monotonically: a mild tilt can first spread mass from a peaked π_ref onto better responses.)
    assert entropy[-1] < 0.1 * entropy[0]
    # Signature 2: per-input diversity collapses (> 90 % lost) ...
    drop_within = 1 - per_input[-1] / per_input[0]
    assert drop_within > 0.9
    # ... while across-input diversity falls too (outputs for different prompts grow more alike, since
    # the RM pushes all of them toward the same styles), but by far less.
    drop_across = 1 - across_input[-1] / across_input[0]
    assert 0.02 < drop_across < 0.5 * drop_within
    # No hard collapse at any β > 0: π* keeps every response that π_ref allows (π*(y|x) > 0).
    assert (pis[-1] > 0).all()
    print(f"entropy {entropy[0]:.2f} -> {entropy[-1]:.2f}; per-input diversity -{drop_within:.0%}, across-input -{drop_across:.0%}")


if __name__ == "__main__":
    main()
