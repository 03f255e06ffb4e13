"""Bad-input and edge-case tests for snippets/q34_process_vs_outcome.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q34_process_vs_outcome import best_of_n, prm_score


def test_shape_errors() -> None:
    with pytest.raises(ValueError):
        prm_score(torch.zeros(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError):
        prm_score(torch.zeros(2, 3), torch.ones(2, 3), reduce="mean")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        best_of_n(torch.zeros(5))


def test_masked_and_empty_rows() -> None:
    logits = torch.tensor([[2.0, -1.0, 5.0], [-50.0, -50.0, -50.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    prod = prm_score(logits, mask)
    expected = torch.log(torch.sigmoid(torch.tensor(2.0)) * torch.sigmoid(torch.tensor(-1.0)))
    assert torch.allclose(prod[0], expected) and prod[1] == 0
    assert torch.allclose(prm_score(logits, mask, "min"), torch.stack([torch.log(torch.sigmoid(torch.tensor(-1.0))), torch.tensor(0.0)]))


def test_extreme_logits_are_finite() -> None:
    logits = torch.tensor([[1e4, -1e4, 0.0]])
    assert torch.isfinite(prm_score(logits, torch.ones_like(logits))).all()
