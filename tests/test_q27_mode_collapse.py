"""Bad input and edge cases for snippets/q27_mode_collapse.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q27_mode_collapse import mean_entropy, output_diversity


def test_q27_point_masses_and_shapes() -> None:
    pi = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    emb = torch.randn(2, 2, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert mean_entropy(pi).item() == 0.0  # 0·log 0 = 0, no NaN
    per_input, _ = output_diversity(pi, emb)
    assert abs(per_input.item()) < 1e-12  # a point mass has no per-input diversity
    with pytest.raises(ValueError):
        output_diversity(pi[:1], emb[:1])  # needs two prompts for across-input diversity
    with pytest.raises(ValueError):
        mean_entropy(pi[0])
