"""Q80 · TDPO's granularity: labels stay per response, but its KL term reads every position's FULL distribution.

TDPO (Zeng et al. 2024, arXiv:2404.11999) keeps one preference label per (x, y_w, y_l) and adds
token-level forward-KL terms, D_SeqKL(x, y; π_ref ‖ π_θ) = Σ_t KL(π_ref(·|x, y_<t) ‖ π_θ(·|x, y_<t))
(home: Q54's ``sequential_kl`` and ``tdpo_loss``). The facet checked here is what "token-level" buys.
DPO's loss (Rafailov et al. 2023, arXiv:2305.18290, eq. 7) sees a policy only through the log-probability
of the SAMPLED token at each position. Moving probability among the other, unsampled tokens at a
position — keeping the sampled token's probability fixed — leaves DPO's loss unchanged, and changes
TDPO's. TDPO constrains the whole next-token distribution along each response.

Run: ``python -m snippets.q80_tdpo_granularity``
"""

from __future__ import annotations

import torch

from snippets.q14_dpo_derivation import dpo_loss, sequence_logprob
from snippets.q54_tdpo import sequential_kl, tdpo_loss


def reshuffle_unsampled(logits: torch.Tensor, labels: torch.Tensor, strength: float, generator: torch.Generator) -> torch.Tensor:
    """New logits with the same probability for each sampled token but mass moved among the other tokens.

    Args:
        logits: next-token logits, shape (B, T, V).
        labels: sampled token ids, shape (B, T).
        strength: size of the random perturbation of the unsampled tokens' logits.
        generator: random generator, for determinism.

    Returns:
        logits of shape (B, T, V) with log_softmax(...)[labels] unchanged.
    """
    if logits.dim() != 3 or logits.shape[:2] != labels.shape:
        raise ValueError(f"need logits (B, T, V) and labels (B, T), got {tuple(logits.shape)} and {tuple(labels.shape)}")
    logp = torch.log_softmax(logits, -1)
    sampled = torch.zeros_like(logp, dtype=torch.bool).scatter_(-1, labels.unsqueeze(-1), True)
    # perturb the unsampled logits, then renormalise them so that their total mass 1 − π(y_t) is unchanged
    noisy = torch.where(sampled, torch.full_like(logp, -torch.inf), logp + strength * torch.randn(logp.shape, dtype=logp.dtype, generator=generator))
    rest = torch.log_softmax(noisy, -1) + torch.log1p(-logp.gather(-1, labels.unsqueeze(-1)).exp())
    # log π'(v) = log π(y_t) for v = y_t, and log[(1 − π(y_t)) · q(v)] otherwise
    return torch.where(sampled, logp, rest)


def main() -> None:
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    b, t, v, beta = 8, 5, 6, 0.1
    dt = torch.float64
    ref_logits = torch.randn(b, t, v, dtype=dt, generator=gen)
    pol_logits = ref_logits + 0.5 * torch.randn(b, t, v, dtype=dt, generator=gen)
    chosen, rejected = torch.randint(0, v, (b, t), generator=gen), torch.randint(0, v, (b, t), generator=gen)
    mask = torch.ones(b, t, dtype=dt)

    def losses(pol_w: torch.Tensor, pol_l: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        lw, ll = sequence_logprob(pol_w, chosen, mask), sequence_logprob(pol_l, rejected, mask)
        rw, rl = sequence_logprob(ref_logits, chosen, mask), sequence_logprob(ref_logits, rejected, mask)
        dpo = dpo_loss(lw, ll, rw, rl, beta)
        tdpo = tdpo_loss(lw, ll, rw, rl, sequential_kl(pol_w, ref_logits, mask), sequential_kl(pol_l, ref_logits, mask), beta, alpha=0.5)
        return dpo, tdpo

    # 1. Granularity of the label: one loss value per preference pair, shape (B,), for DPO and TDPO alike.
    dpo0, tdpo0 = losses(pol_logits, pol_logits)
    assert dpo0.shape == tdpo0.shape == (b,)

    # 2. Reshuffle probability among the UNSAMPLED tokens of the rejected responses' positions.
    shuffled = reshuffle_unsampled(pol_logits, rejected, strength=2.0, generator=gen)
    assert torch.allclose(torch.softmax(shuffled, -1).sum(-1), torch.ones(b, t, dtype=dt))
    assert torch.allclose(sequence_logprob(shuffled, rejected, mask), sequence_logprob(pol_logits, rejected, mask), atol=1e-12)
    dpo1, tdpo1 = losses(pol_logits, shuffled)
    # DPO cannot see the change: its loss is identical to 1e-12 ...
    assert torch.allclose(dpo1, dpo0, atol=1e-12)
    # ... TDPO sees it through the per-position forward KL on the rejected response.
    kl0 = sequential_kl(pol_logits, ref_logits, mask)
    kl1 = sequential_kl(shuffled, ref_logits, mask)
    assert ((kl1 - kl0).abs() > 0.5).all() and ((tdpo1 - tdpo0).abs() > 0.01).all()

    # 3. The KL term is a sum of per-position terms: zeroing the drift at one position removes exactly
    #    that position's contribution.
    fixed = pol_logits.clone()
    fixed[:, 2] = ref_logits[:, 2]
    per_pos = sequential_kl(pol_logits[:, 2:3], ref_logits[:, 2:3], mask[:, 2:3])
    assert torch.allclose(sequential_kl(fixed, ref_logits, mask), kl0 - per_pos, atol=1e-12)
    print("labels per response; TDPO's KL reads whole next-token distributions, so it sees changes DPO cannot")


if __name__ == "__main__":
    main()
