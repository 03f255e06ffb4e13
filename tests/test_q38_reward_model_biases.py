"""Bad-input and edge-case tests for snippets/q38_reward_model_biases.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q38_reward_model_biases import fit_linear_bt, label_pairs


def test_shape_errors() -> None:
    with pytest.raises(ValueError):
        fit_linear_bt(torch.zeros(5, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError):
        label_pairs(torch.zeros(5, 2), torch.zeros(5, 2), torch.zeros(3), torch.Generator().manual_seed(0))


def test_recovers_known_weights() -> None:
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(20000, 2, generator=gen, dtype=torch.float64), torch.randn(20000, 2, generator=gen, dtype=torch.float64)
    w, se = fit_linear_bt(*label_pairs(a, b, torch.tensor([1.0, -0.5], dtype=torch.float64), gen))
    assert torch.allclose(w, torch.tensor([1.0, -0.5], dtype=torch.float64), atol=5 * se.max().item())
