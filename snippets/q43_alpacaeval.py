"""Q43 · AlpacaEval's length bias, and the length-controlled win rate that removes most of it.

AlpacaEval scores a model by an LLM judge's preference for its output over a fixed baseline's, on the
same instructions. The judge prefers longer outputs, so verbosity alone buys win rate. Length-controlled
AlpacaEval (Dubois, Galambosi, Liang, Hashimoto 2024, arXiv:2404.04475) fits a logistic GLM to the
judge's preferences with three terms — a model term θ, a length term φ·tanh(Δℓ/sd(Δℓ)) on the
standardised length difference, and an instruction term ψ·γ_x with a per-instruction difficulty γ_x —

    P(judge prefers the model on x) = σ(θ + φ·tanh(Δℓ_x / sd(Δℓ)) + ψ·γ_x),

then predicts every preference again with the length difference set to zero and averages:

    LC win rate = 1/N Σ_x σ(θ + ψ·γ_x).

The answer to "what would the judge prefer if both outputs had the same length?" keeps the properties
of a win rate: it lies in [0, 1] and swapping model and baseline gives 1 − LC.

Run: ``python -m snippets.q43_alpacaeval``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from snippets.q42_evaluate_aligned_model import win_rate


def length_feature(len_model: torch.Tensor, len_baseline: torch.Tensor) -> torch.Tensor:
    """The GLM's length covariate tanh(Δℓ / sd(Δℓ)) with Δℓ = ℓ_model − ℓ_baseline.

    Args:
        len_model: output lengths of the evaluated model, shape (N,) (AlpacaEval uses characters).
        len_baseline: output lengths of the baseline on the same instructions, shape (N,).

    Returns:
        shape (N,), in (−1, 1); 0 where the two outputs have the same length.
    """
    if len_model.shape != len_baseline.shape or len_model.dim() != 1:
        raise ValueError(f"lengths must be two vectors of the same shape, got {tuple(len_model.shape)} and {tuple(len_baseline.shape)}")
    delta = (len_model - len_baseline).to(torch.float64)
    # t_x = tanh(Δℓ_x / sd(Δℓ)); the sd is clamped so that equal lengths everywhere give t = 0, not NaN
    return torch.tanh(delta / delta.std().clamp_min(1e-12))


def fit_length_glm(preferences: torch.Tensor, length_feat: torch.Tensor, difficulty: torch.Tensor, max_iter: int = 100) -> torch.Tensor:
    """Maximum-likelihood fit of logit P(model preferred) = θ + φ·t_x + ψ·γ_x.

    Args:
        preferences: judge preferences for the model, shape (N,), in [0, 1] (hard 0/1 labels or soft
            preferences; the loss is the cross-entropy with these targets).
        length_feat: t_x from :func:`length_feature`, shape (N,).
        difficulty: instruction difficulty γ_x, shape (N,).
        max_iter: L-BFGS iterations.

    Returns:
        parameters (θ, φ, ψ), shape (3,), float64.
    """
    if not preferences.shape == length_feat.shape == difficulty.shape or preferences.dim() != 1:
        raise ValueError(
            f"preferences, length_feat and difficulty must be vectors of one shape, got "
            f"{tuple(preferences.shape)}, {tuple(length_feat.shape)}, {tuple(difficulty.shape)}"
        )
    x = torch.stack([torch.ones_like(length_feat), length_feat, difficulty], dim=1).to(torch.float64)
    y = preferences.to(torch.float64)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w], lr=1, max_iter=max_iter, tolerance_grad=1e-10, tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        # −1/N Σ_x [y_x log σ(z_x) + (1 − y_x) log σ(−z_x)],  z_x = θ + φ t_x + ψ γ_x
        loss = F.binary_cross_entropy_with_logits(x @ w, y)
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach()


def length_controlled_win_rate(params: torch.Tensor, difficulty: torch.Tensor) -> torch.Tensor:
    """LC win rate: the fitted GLM's preference with the length term at zero, averaged over instructions.

    Args:
        params: (θ, φ, ψ) from :func:`fit_length_glm`, shape (3,).
        difficulty: γ_x for each instruction, shape (N,).

    Returns:
        scalar in [0, 1].
    """
    if params.shape != (3,):
        raise ValueError(f"params must be (θ, φ, ψ), shape (3,), got {tuple(params.shape)}")
    theta, _, psi = params
    # LC = 1/N Σ_x σ(θ + φ·0 + ψ γ_x)
    return torch.sigmoid(theta + psi * difficulty.to(torch.float64)).mean()


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n = 805  # AlpacaEval's instruction set size
    difficulty = torch.randn(n, generator=gen, dtype=torch.float64)  # γ_x
    theta_true, psi_true, length_pull = 0.3, 0.8, 2.0  # model edge, instruction effect, judge's length bias
    len_base = torch.exp(7.0 + 0.3 * torch.randn(n, generator=gen, dtype=torch.float64))  # ~1100 characters

    def judge(len_model: torch.Tensor) -> torch.Tensor:
        """A biased judge: the true quality logit plus a pull towards the longer output."""
        t = torch.tanh((len_model - len_base) / 1500.0)
        return torch.bernoulli(torch.sigmoid(theta_true + psi_true * difficulty + length_pull * t), generator=gen)

    # What the toy was built with: the preference the judge would give at equal length.
    truth = torch.sigmoid(theta_true + psi_true * difficulty).mean().item()

    results = {}
    for name, verbosity in (("concise", 1.0), ("verbose", 2.0)):  # the same model, prompted to write 2× longer
        len_model = len_base * verbosity * torch.exp(0.8 * torch.randn(n, generator=gen, dtype=torch.float64))
        prefs = judge(len_model)
        params = fit_length_glm(prefs, length_feature(len_model, len_base), difficulty)
        results[name] = (win_rate(prefs).item(), length_controlled_win_rate(params, difficulty).item(), params)

    raw_c, lc_c, params_c = results["concise"]
    raw_v, lc_v, _ = results["verbose"]
    # 1. Verbosity inflates the raw win rate far beyond its sampling noise (about ±3.5 points at n = 805) ...
    assert raw_v - truth > 0.10, (raw_v, truth)
    # 2. ... and the length-controlled estimate removes most of the inflation: its error is well under
    #    half the raw error, measured against the equal-length preference the judge was built with.
    assert abs(lc_v - truth) < 0.4 * (raw_v - truth), (raw_v, lc_v, truth)
    assert abs(lc_c - truth) < 0.05  # with a smaller length gap LC also stays within sampling noise of the truth
    # 3. Gameability: prompting the same model to write twice as much moves the raw win rate a lot and the
    #    LC win rate much less.
    assert abs(lc_v - lc_c) < 0.5 * abs(raw_v - raw_c), (lc_c, lc_v, raw_c, raw_v)
    assert params_c[1] > 0  # the fitted length coefficient φ detects the judge's pull towards length

    # 4. Symmetry: swap model and baseline (preferences 1 − y, length difference −Δℓ) and the LC win
    #    rate becomes 1 − LC, because every GLM term flips sign with the roles.
    len_model = len_base * torch.exp(0.8 * torch.randn(n, generator=gen, dtype=torch.float64))
    prefs = judge(len_model)
    lc = length_controlled_win_rate(fit_length_glm(prefs, length_feature(len_model, len_base), difficulty), difficulty)
    lc_swapped = length_controlled_win_rate(fit_length_glm(1 - prefs, length_feature(len_base, len_model), difficulty), difficulty)
    assert torch.isclose(lc + lc_swapped, torch.tensor(1.0, dtype=torch.float64), atol=1e-6)
    print(f"truth {truth:.3f} | concise raw {raw_c:.3f} LC {lc_c:.3f} | verbose raw {raw_v:.3f} LC {lc_v:.3f}")


if __name__ == "__main__":
    main()
