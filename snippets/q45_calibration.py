"""Q45 · Calibration: sharpening a distribution raises expected reward and breaks calibration.

A model is calibrated when, among answers given with confidence c, a fraction c is correct. Guo et al.
(2017, arXiv:1706.04599, §2) measure the gap with the expected calibration error over M equal-width bins
B_1..B_M of top-label confidence,

    ECE = Σ_m |B_m|/N · |acc(B_m) − conf(B_m)|,

and fix it post hoc with temperature scaling: divide the logits by one scalar T fitted by NLL on held-out
data. RL maximises the *expected* reward E_{y∼π}[r(y)]. For a calibrated model p whose answers are right
with probability p(y), that is Σ_y p(y)·π(y), and sharpening π = softmax(logits/T), T < 1, raises it
towards max_y p(y) ≥ Σ_y p(y)². The reward goes up, the argmax answers do not change, and confidence now
exceeds accuracy: the overconfidence after post-training seen in the GPT-4 technical report (Fig. 8).

Run: ``python -m snippets.q45_calibration``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _check(confidence: torch.Tensor, correct: torch.Tensor) -> None:
    if confidence.shape != correct.shape or confidence.dim() != 1 or confidence.numel() == 0:
        raise ValueError(f"confidence and correct must be non-empty vectors of one shape (N,), got {tuple(confidence.shape)} and {tuple(correct.shape)}")
    if ((confidence < 0) | (confidence > 1)).any():
        raise ValueError("confidence must lie in [0, 1]")


def reliability_bins(confidence: torch.Tensor, correct: torch.Tensor, n_bins: int = 15) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-bin mean confidence, accuracy and count over M equal-width bins ((m−1)/M, m/M].

    Args:
        confidence: top-label confidence of each prediction, shape (N,), in [0, 1].
        correct: 1 if that prediction is right, else 0, shape (N,).
        n_bins: M, the number of equal-width bins (15 is a common choice).

    Returns:
        (conf, acc, count), each shape (M,). Empty bins have count 0 and conf = acc = 0.
    """
    _check(confidence, correct)
    conf = confidence.to(torch.float64)
    # bin index m with (m−1)/M < c ≤ m/M; c = 0 goes to the first bin
    idx = (torch.ceil(conf * n_bins).long() - 1).clamp(0, n_bins - 1)
    count = torch.bincount(idx, minlength=n_bins).to(torch.float64)
    conf_sum = torch.bincount(idx, weights=conf, minlength=n_bins)
    acc_sum = torch.bincount(idx, weights=correct.to(torch.float64), minlength=n_bins)
    # conf(B_m) = Σ_{i∈B_m} c_i / |B_m|, acc(B_m) = Σ_{i∈B_m} 1[ŷ_i = y_i] / |B_m| (empty bins: 0/1)
    return conf_sum / count.clamp_min(1), acc_sum / count.clamp_min(1), count


def expected_calibration_error(confidence: torch.Tensor, correct: torch.Tensor, n_bins: int = 15) -> torch.Tensor:
    """ECE = Σ_m |B_m|/N · |acc(B_m) − conf(B_m)| (Guo et al. 2017, §2); shapes (N,) → scalar."""
    conf, acc, count = reliability_bins(confidence, correct, n_bins)
    # ECE = Σ_m (|B_m| / N) · |acc(B_m) − conf(B_m)|
    return (count / count.sum() * (acc - conf).abs()).sum()


def top_label(logits: torch.Tensor, temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Confidence and prediction of softmax(logits / T).

    Args:
        logits: shape (N, K) over K answer options.
        temperature: T > 0; T < 1 sharpens, T > 1 flattens. The argmax never depends on T.

    Returns:
        (confidence, prediction), each shape (N,).
    """
    if logits.dim() != 2 or temperature <= 0:
        raise ValueError(f"need logits (N, K) and T > 0, got {tuple(logits.shape)} and T={temperature}")
    # p_T = softmax(z / T); confidence = max_k p_T(k)
    conf, pred = torch.softmax(logits / temperature, dim=-1).max(dim=-1)
    return conf, pred


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Temperature scaling: T* = argmin_T NLL(softmax(logits / T), labels) on held-out data.

    Args:
        logits: shape (N, K).
        labels: correct option of each item, shape (N,).

    Returns:
        T* > 0 (optimised as log T, so it stays positive).
    """
    if logits.dim() != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"need logits (N, K) and labels (N,), got {tuple(logits.shape)} and {tuple(labels.shape)}")
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=1, max_iter=50, line_search_fn="strong_wolfe")
    z = logits.to(torch.float64)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        # NLL(T) = −1/N Σ_i log softmax(z_i / T)[y_i]
        loss = F.cross_entropy(z / log_t.exp(), labels)
        loss.backward()
        return loss

    opt.step(closure)
    return log_t.exp().item()


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n, k = 20_000, 4  # four-option multiple choice, as in the GPT-4 report's MMLU calibration plot
    logits = 1.5 * torch.randn(n, k, generator=gen, dtype=torch.float64)
    p = torch.softmax(logits, dim=-1)
    # Calibrated by construction: the right answer is drawn from the model's own distribution.
    labels = torch.multinomial(p, 1, generator=gen).squeeze(1)

    conf1, pred1 = top_label(logits)
    ece1 = expected_calibration_error(conf1, pred1 == labels)
    assert ece1 < 0.02, ece1  # only sampling noise

    # 1. Sharpening (T = 0.5) leaves every argmax — hence greedy accuracy — unchanged, raises the
    #    sampled reward E_{y∼π_T}[1(y correct)] = π_T(label), and makes the model overconfident.
    conf_s, pred_s = top_label(logits, 0.5)
    assert torch.equal(pred_s, pred1)
    reward = {t: torch.softmax(logits / t, -1).gather(1, labels[:, None]).mean().item() for t in (1.0, 0.5)}
    assert reward[0.5] > reward[1.0] + 0.05, reward
    ece_s = expected_calibration_error(conf_s, pred_s == labels)
    assert ece_s > 0.05 and ece_s > 4 * ece1, (ece1, ece_s)
    conf_bin, acc_bin, count = reliability_bins(conf_s, pred_s == labels)
    assert (acc_bin[count > 100] < conf_bin[count > 100]).all()  # every populated bin sits below the diagonal

    # 2. The population version, with no sampling noise: expected reward Σ_y p(y)·p_T(y) increases
    #    monotonically as T falls, from Σ p² at T = 1 towards max p.
    expected = [(p * torch.softmax(logits / t, -1)).sum(-1).mean().item() for t in (1.0, 0.7, 0.5, 0.3, 0.1)]
    assert all(a < b for a, b in zip(expected, expected[1:])), expected
    assert expected[-1] < p.max(-1).values.mean().item() + 1e-9

    # 3. Temperature scaling repairs it: fit T on one half, evaluate on the other. The fitted T undoes
    #    the sharpening (≈ 2 = 1/0.5 on the scale of the sharpened logits) and the ECE returns to noise.
    sharp = logits / 0.5
    t_star = fit_temperature(sharp[: n // 2], labels[: n // 2])
    assert abs(t_star - 2.0) < 0.15, t_star
    conf_r, pred_r = top_label(sharp[n // 2 :], t_star)
    assert expected_calibration_error(conf_r, pred_r == labels[n // 2 :]) < 0.025
    print(f"ECE {ece1:.3f} -> {ece_s:.3f} after sharpening (reward {reward[1.0]:.3f} -> {reward[0.5]:.3f}); temperature scaling finds T = {t_star:.2f}")


if __name__ == "__main__":
    main()
