"""Q66 · SFT batch size in tokens, and why gradient accumulation must divide by the GLOBAL token count.

Tokens per optimiser step (an upper bound when sequences are padded rather than packed):

    tokens/step = seq_len × micro_batch × grad_accum × data_parallel.

Llama 2 SFT (Touvron et al. 2023, arXiv:2307.09288, §3.1): batch 64 × 4,096 tokens = 262,144.
Tülu 3 SFT (Lambert et al. 2024, arXiv:2411.15124, §4.3, Table 11): effective batch 128 × max 4,096.

The facet checked here is Tülu 3's "batch aggregation" finding (§4.3.2): averaging a token-mean loss
per micro-batch and then over micro-batches weights each micro-batch equally,
    L = (ℓ_1/n_1 + ℓ_2/n_2)/2,
while one big batch weights each token equally,
    L = (ℓ_1 + ℓ_2)/(n_1 + n_2).
They differ whenever micro-batches hold different numbers of real tokens. Dividing summed losses by
the global token count makes accumulation exact.

Run: ``python -m snippets.q66_sft_batch_size``
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F


def tokens_per_step(seq_len: int, micro_batch: int, grad_accum: int = 1, data_parallel: int = 1) -> int:
    """Maximum tokens contributing to one optimiser step: seq_len × micro_batch × grad_accum × data_parallel."""
    if min(seq_len, micro_batch, grad_accum, data_parallel) < 1:
        raise ValueError("seq_len, micro_batch, grad_accum and data_parallel must all be positive integers")
    # tokens/step = L × b × a × d
    return seq_len * micro_batch * grad_accum * data_parallel


def microbatch_losses(
    nll: torch.Tensor, mask: torch.Tensor, mode: Literal["global_token_mean", "mean_of_means"] = "global_token_mean"
) -> torch.Tensor:
    """Per-micro-batch losses whose SUM is what gradient accumulation back-propagates.

    Args:
        nll: per-token negative log-likelihood, shape (M, B, T): M micro-batches of B sequences of T tokens.
        mask: 1 for trained (response) tokens, 0 for prompt and padding, shape (M, B, T).
        mode: ``global_token_mean`` divides each micro-batch's summed loss by the token count of the whole
            step (Σ over all M micro-batches); ``mean_of_means`` takes a token mean inside each micro-batch
            and divides by M (what naive accumulation of a mean loss does).

    Returns:
        shape (M,): the M values to back-propagate one after another. Empty micro-batches give 0.
    """
    if nll.shape != mask.shape or nll.dim() != 3:
        raise ValueError(f"nll and mask must both have shape (M, B, T), got {tuple(nll.shape)} and {tuple(mask.shape)}")
    mask = mask.to(nll.dtype)
    summed = (nll * mask).sum(dim=(1, 2))
    if mode == "global_token_mean":
        # ℓ_m / Σ_m' n_m'   (sums to the full-batch token mean)
        return summed / mask.sum().clamp_min(1)
    if mode == "mean_of_means":
        # (ℓ_m / n_m) / M   (each micro-batch weighs the same, whatever its token count)
        return summed / mask.sum(dim=(1, 2)).clamp_min(1) / nll.shape[0]
    raise ValueError(f"unknown mode {mode!r}")


def main() -> None:
    torch.manual_seed(0)
    # 1. Published SFT batches in tokens.
    assert tokens_per_step(4096, 64) == 262_144  # Llama 2: batch 64, sequence length 4,096
    # Tülu 3's reproduction: 1 sequence per device × 2 accumulation steps × 64 GPUs = 128 sequences of ≤ 4,096.
    assert tokens_per_step(4096, 1, 2, 64) == 128 * 4096 == 524_288

    # 2. A toy causal LM head (V = 11) trained on 4 micro-batches whose real token counts differ a lot.
    m, b, t, v, d = 4, 2, 16, 11, 8
    hidden = torch.randn(m, b, t, d, dtype=torch.float64)
    labels = torch.randint(0, v, (m, b, t))
    lengths = torch.tensor([[16, 14], [3, 2], [9, 1], [16, 5]])  # response tokens per sequence
    mask = (torch.arange(t) < lengths[..., None]).to(torch.float64)
    w0 = 0.3 * torch.randn(d, v, dtype=torch.float64)

    def per_token_nll(w: torch.Tensor) -> torch.Tensor:
        logits = hidden @ w
        return F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1), reduction="none").reshape(m, b, t)

    # Reference: one big batch, every token weighted equally.
    w = w0.clone().requires_grad_(True)
    ((per_token_nll(w) * mask).sum() / mask.sum()).backward()
    full = w.grad.clone()

    def accumulated(mode: str) -> torch.Tensor:
        w = w0.clone().requires_grad_(True)
        for loss in microbatch_losses(per_token_nll(w), mask, mode):  # one backward per micro-batch
            loss.backward(retain_graph=True)
        return w.grad

    # 3. Dividing by the global token count reproduces the full-batch gradient exactly ...
    assert torch.allclose(accumulated("global_token_mean"), full, atol=1e-12)
    # ... while averaging per-micro-batch means does not: short micro-batches get their tokens over-weighted.
    naive = accumulated("mean_of_means")
    assert (naive - full).norm() > 0.05 * full.norm()
    # With equal token counts in every micro-batch the two coincide (the bug hides in uniform-length tests).
    ones = torch.ones(m, b, t, dtype=torch.float64)
    assert torch.allclose(microbatch_losses(per_token_nll(w0), ones, "mean_of_means"), microbatch_losses(per_token_nll(w0), ones))
    print("tokens/step = L*b*a*d (Llama 2: 262,144); accumulation is exact only with a global token normaliser")


if __name__ == "__main__":
    main()
