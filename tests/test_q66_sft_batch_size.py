"""Bad input and edge cases for Q66's batch arithmetic and accumulation losses."""

from __future__ import annotations

import pytest
import torch

from snippets.q66_sft_batch_size import microbatch_losses, tokens_per_step


def test_tokens_per_step_rejects_non_positive() -> None:
    with pytest.raises(ValueError):
        tokens_per_step(0, 8)
    with pytest.raises(ValueError):
        tokens_per_step(4096, 8, grad_accum=0)


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        microbatch_losses(torch.zeros(2, 3, 4), torch.ones(2, 3, 5))
    with pytest.raises(ValueError):
        microbatch_losses(torch.zeros(3, 4), torch.ones(3, 4))


def test_unknown_mode_raises() -> None:
    with pytest.raises(ValueError):
        microbatch_losses(torch.zeros(2, 3, 4), torch.ones(2, 3, 4), mode="sum")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["global_token_mean", "mean_of_means"])
def test_empty_microbatches_are_finite(mode: str) -> None:
    nll = torch.rand(3, 2, 5, dtype=torch.float64)
    mask = torch.ones(3, 2, 5, dtype=torch.float64)
    mask[1] = 0  # one micro-batch with no trained tokens
    out = microbatch_losses(nll, mask, mode)
    assert torch.isfinite(out).all() and out[1] == 0
    assert torch.isfinite(microbatch_losses(nll, torch.zeros_like(mask), mode)).all()


def test_extreme_values_finite() -> None:
    nll = torch.full((2, 2, 3), 1e4, dtype=torch.float64)
    assert torch.isfinite(microbatch_losses(nll, torch.ones_like(nll))).all()
