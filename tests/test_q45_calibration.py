"""Bad input and edge cases for snippets/q45_calibration.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q45_calibration import expected_calibration_error, fit_temperature, reliability_bins, top_label


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        expected_calibration_error(torch.rand(5), torch.ones(4))
    with pytest.raises(ValueError):
        expected_calibration_error(torch.rand(0), torch.ones(0))
    with pytest.raises(ValueError):
        fit_temperature(torch.randn(5, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError):
        top_label(torch.randn(5, 3), temperature=0.0)


def test_confidence_out_of_range_raises() -> None:
    with pytest.raises(ValueError):
        expected_calibration_error(torch.tensor([1.5, 0.2]), torch.tensor([1.0, 0.0]))


def test_perfectly_calibrated_and_empty_bins() -> None:
    # all predictions at confidence 0.75, three of four right: ECE 0, and the 14 other bins stay empty
    conf = torch.full((4,), 0.75, dtype=torch.float64)
    correct = torch.tensor([1.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    assert expected_calibration_error(conf, correct).item() == pytest.approx(0.0, abs=1e-12)
    _, _, count = reliability_bins(conf, correct)
    assert count.sum() == 4 and (count > 0).sum() == 1
    # confidence exactly 0 and 1 land in the first and last bin
    _, _, count = reliability_bins(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]))
    assert count[0] == 1 and count[-1] == 1


def test_extreme_logits_are_finite() -> None:
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dtype=torch.float64)
    conf, pred = top_label(logits, temperature=0.1)
    assert torch.isfinite(conf).all() and pred.tolist() == [0, 1]
    assert torch.isfinite(torch.tensor(fit_temperature(logits, torch.tensor([0, 1]))))
