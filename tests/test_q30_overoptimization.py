"""Bad input and edge cases for snippets/q30_overoptimization.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q30_overoptimization import fit_gao, gao_bon, gao_rl, goodhart_bandit, goodhart_curves


def test_bandit_is_a_distribution_and_rejects_bad_arguments() -> None:
    toy = goodhart_bandit(grid=11)
    assert toy.pi_ref.shape == (121,) and abs(toy.pi_ref.sum().item() - 1) < 1e-12
    with pytest.raises(ValueError):
        goodhart_bandit(gold_length_curvature=0.0)
    with pytest.raises(ValueError):
        goodhart_bandit(noise_sd=-1.0)


def test_curves_shape_checks_and_zero_strength() -> None:
    toy = goodhart_bandit(grid=11)
    with pytest.raises(ValueError):
        goodhart_curves(toy.pi_ref, toy.proxy, toy.gold, "kl", [1.0])  # scores must be (S, K)
    with pytest.raises(ValueError):
        goodhart_curves(toy.pi_ref, toy.proxy, toy.gold.unsqueeze(0), "ppo", [1.0])  # type: ignore[arg-type]
    d, gains = goodhart_curves(toy.pi_ref, toy.proxy, toy.gold.unsqueeze(0), "bon", [1])
    assert d.item() < 1e-6 and abs(gains.item()) < 1e-12  # best-of-1 is π_ref (KL rounds to ~1e-16)


def test_gao_forms_peaks_and_fit() -> None:
    d = torch.linspace(0.05, 5, 200, dtype=torch.float64)
    assert abs(d[gao_bon(d, 2.0, 0.5).argmax()].item() - 2.0) < 0.05  # d* = α/2β
    assert abs(d[gao_rl(d, 1.0, 0.5).argmax()].item() - torch.e) < 0.05  # d* = exp(α/β − 1)
    assert gao_rl(torch.zeros(1, dtype=torch.float64), 1.0, 0.5).item() == 0.0  # R(0) = 0, no NaN
    alpha, beta, r2 = fit_gao(d, gao_rl(d, 1.0, 0.5), "rl")
    assert abs(alpha - 1.0) < 1e-9 and abs(beta - 0.5) < 1e-9 and r2 > 1 - 1e-12
    with pytest.raises(ValueError):
        fit_gao(d[:2], d[:2], "bon")
