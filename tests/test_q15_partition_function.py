"""Bad input for the within-prompt margins of Q15."""

from __future__ import annotations

import pytest
import torch

from snippets.q15_partition_function import within_prompt_margins


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        within_prompt_margins(torch.zeros(4))


def test_prompt_constant_cancels_at_extreme_scale() -> None:
    r = torch.randn(3, 5, dtype=torch.float64)
    shifted = r + torch.tensor([[1e6], [-1e6], [0.0]], dtype=torch.float64)
    assert torch.allclose(within_prompt_margins(shifted), within_prompt_margins(r), atol=1e-6)
