"""Bad-input tests for snippets/q37_data_ratio.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q37_data_ratio import comparisons_per_ranking, preference_to_sft_ratio


def test_errors() -> None:
    with pytest.raises(ValueError):
        comparisons_per_ranking(torch.tensor([1, 4]))
    with pytest.raises(ValueError):
        preference_to_sft_ratio(torch.tensor([1, 2]), torch.tensor([1]))
    with pytest.raises(ValueError):
        preference_to_sft_ratio(torch.tensor([0]), torch.tensor([1]))


def test_comparisons() -> None:
    assert comparisons_per_ranking(torch.arange(2, 10)).tolist() == [1, 3, 6, 10, 15, 21, 28, 36]
