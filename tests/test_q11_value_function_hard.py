"""Bad input for the tabular helpers of Q11."""

from __future__ import annotations

import pytest
import torch

from snippets.q11_value_function_hard import exact_values, prefix_states, token_logprobs


def test_bad_shapes_raise() -> None:
    with pytest.raises(ValueError):
        prefix_states(torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError):
        token_logprobs(torch.zeros(3), torch.zeros(4, 2, dtype=torch.long), torch.zeros(4, 3, dtype=torch.long))
    with pytest.raises(ValueError):
        exact_values(torch.ones(3), torch.ones(4), torch.zeros(4, 2, dtype=torch.long))


def test_prefix_ids_cover_the_tree() -> None:
    seqs = torch.tensor([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)])
    ids = prefix_states(seqs)
    assert ids.unique().numel() == 7 and ids.max() == 6
