"""Q19 · Length bias in DPO: the implicit reward is a sum over tokens.

DPO's implicit reward r̂(x, y) = β Σ_t [log π_θ(y_t|x, y_<t) − log π_ref(y_t|x, y_<t)] (Rafailov et al. 2023,
arXiv:2305.18290) adds one term per token, so its size grows with |y|. Two consequences, checked here:

1. Any systematic per-token log-ratio scales r̂ linearly in |y| (random ones as √|y|).
2. A reward that is a sum over tokens cannot express a length-invariant preference. When the labels depend
   only on the *fraction* of good content, DPO makes the per-token log-ratio of good tokens positive — and
   once the content choice saturates, the cheapest way to keep raising it is to stop ending responses.
   Expected length balloons with no length preference in the data. Averaging the log-ratio over tokens
   (length-normalised DPO, as in SimPO, Meng et al. 2024, arXiv:2405.14734) mitigates it.

R-DPO (Park et al. 2024, arXiv:2403.19159) instead adds α(|y_w| − |y_l|) inside the sigmoid, which makes DPO
solve the RLHF problem for the length-penalised reward r − α|y|: checked in closed form at the end.

Run: ``python -m snippets.q19_length_bias``
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q14_dpo_derivation import dpo_loss, implicit_reward, sequence_logprob


def r_dpo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    chosen_len: torch.Tensor,
    rejected_len: torch.Tensor,
    beta: float = 0.1,
    alpha: float = 0.0,
) -> torch.Tensor:
    """Length-regularised DPO (R-DPO, Park et al. 2024): −log σ(r̂_w − r̂_l + α(|y_w| − |y_l|)).

    It is the DPO loss derived from the RLHF objective with reward r(x, y) − α|y|: the length term is
    explained by the penalty instead of being absorbed into the implicit reward.

    Args:
        policy_chosen_logp: summed log π_θ(y_w|x), shape (B,).
        policy_rejected_logp: summed log π_θ(y_l|x), shape (B,).
        ref_chosen_logp: summed log π_ref(y_w|x), shape (B,).
        ref_rejected_logp: summed log π_ref(y_l|x), shape (B,).
        chosen_len: |y_w| in tokens, shape (B,).
        rejected_len: |y_l| in tokens, shape (B,).
        beta: β > 0.
        alpha: α ≥ 0, the length penalty per token; α = 0 is plain DPO.

    Returns:
        loss per pair, shape (B,).
    """
    if not (chosen_len.shape == rejected_len.shape == policy_chosen_logp.shape):
        raise ValueError(f"lengths {tuple(chosen_len.shape)}, {tuple(rejected_len.shape)} must match the log-probs {tuple(policy_chosen_logp.shape)}")
    margin = implicit_reward(policy_chosen_logp, ref_chosen_logp, beta) - implicit_reward(policy_rejected_logp, ref_rejected_logp, beta)
    # L = −log σ(β log π_θ(y_w)/π_ref(y_w) − β log π_θ(y_l)/π_ref(y_l) + α(|y_w| − |y_l|))
    return -F.logsigmoid(margin + alpha * (chosen_len - rejected_len).to(margin.dtype))


def _unigram_logp(theta: torch.Tensor, n_good: torch.Tensor, n_bad: torch.Tensor) -> torch.Tensor:
    """log π(y) for a toy policy: after each token continue with σ(θ_2), then emit good/bad with softmax(θ_0, θ_1)."""
    content = torch.log_softmax(theta[:2], -1)
    # log π(y) = n_good log p_good + n_bad log p_bad + |y| log σ(θ_2) + log σ(−θ_2)
    return n_good * content[0] + n_bad * content[1] + (n_good + n_bad) * F.logsigmoid(theta[2]) + F.logsigmoid(-theta[2])


def main() -> None:
    torch.manual_seed(0)
    dt = torch.float64

    # 1. The implicit reward grows with length. A fine-tuned policy that differs from π_ref by small random
    #    logit perturbations: mean |r̂| over sampled responses grows with |y|, and a uniform push on every
    #    realised token gives a reward proportional to the number of tokens.
    b, t, v, beta = 256, 128, 16, 0.1
    ref_logits = torch.randn(b, t, v, dtype=dt)
    pol_logits = ref_logits + 0.3 * torch.randn(b, t, v, dtype=dt)
    labels = torch.randint(0, v, (b, t))
    mean_abs = []
    for length in (8, 32, 128):
        mask = (torch.arange(t) < length).expand(b, t)
        r_hat = implicit_reward(sequence_logprob(pol_logits, labels, mask), sequence_logprob(ref_logits, labels, mask), beta)
        mean_abs.append(r_hat.abs().mean())
    assert mean_abs[0] < mean_abs[1] < mean_abs[2] and mean_abs[2] > 3 * mean_abs[0]
    shift = torch.zeros_like(ref_logits).scatter_(2, labels.unsqueeze(-1), 0.05)  # +0.05 on every realised token
    per_token = sequence_logprob(ref_logits + shift, labels, torch.ones(b, t)) - sequence_logprob(ref_logits, labels, torch.ones(b, t))
    half = sequence_logprob(ref_logits + shift, labels, torch.arange(t).expand(b, t) < t // 2) - sequence_logprob(ref_logits, labels, torch.arange(t).expand(b, t) < t // 2)
    assert torch.allclose(per_token, 2 * half, rtol=0.2)  # twice the tokens, about twice the reward

    # 2. Length inflation with a length-invariant preference. Responses are strings of good/bad tokens of length
    #    1–15; the preferred one has the larger *fraction* of good tokens — length plays no part in the label.
    m = 256
    n1, n2 = torch.randint(1, 16, (m,)).to(dt), torch.randint(1, 16, (m,)).to(dt)
    g1, g2 = torch.binomial(n1, torch.rand(m, dtype=dt)), torch.binomial(n2, torch.rand(m, dtype=dt))
    first = g1 / n1 > g2 / n2
    gw, nw = torch.where(first, g1, g2), torch.where(first, n1, n2)
    gl, nl = torch.where(first, g2, g1), torch.where(first, n2, n1)
    assert (nw - nl).mean().abs() < 1.0  # chosen responses are not systematically longer
    theta_ref = torch.tensor([0.0, 0.0, 2.0], dtype=dt)  # expected length e² ≈ 7.4 tokens
    ref_w, ref_l = _unigram_logp(theta_ref, gw, nw - gw), _unigram_logp(theta_ref, gl, nl - gl)

    def train(normalise: bool, steps: int = 200, lr: float = 2.0) -> tuple[float, float]:
        theta = theta_ref.clone().requires_grad_(True)
        for _ in range(steps):
            lw, ll = _unigram_logp(theta, gw, nw - gw), _unigram_logp(theta, gl, nl - gl)
            # summed log-ratios (DPO) or log-ratios averaged over the |y| + 1 decisions (length-normalised)
            sw, sl = (nw + 1, nl + 1) if normalise else (1.0, 1.0)
            loss = dpo_loss(lw / sw, ll / sl, ref_w / sw, ref_l / sl, beta).mean()
            (grad,) = torch.autograd.grad(loss, theta)
            with torch.no_grad():
                theta -= lr * grad
        p_continue = torch.sigmoid(theta[2].detach())
        return (p_continue / (1 - p_continue)).item(), torch.softmax(theta[:2].detach(), -1)[0].item()

    ref_len = torch.exp(theta_ref[2]).item()
    len_dpo, good_dpo = train(normalise=False)
    len_norm, good_norm = train(normalise=True)
    assert good_dpo > 0.9 and good_norm > 0.9  # both learn the content preference
    assert len_dpo > 3 * ref_len  # summed DPO: responses several times longer
    assert len_norm < 1.5 * ref_len  # normalised: length nearly unchanged

    # 3. R-DPO's population optimum is the RLHF optimum for the length-penalised reward r − α|y|.
    k, alpha = 6, 0.3
    pi_ref = torch.softmax(torch.randn(k, dtype=dt), -1)
    reward = torch.randn(k, dtype=dt)
    length = torch.tensor([3.0, 10.0, 5.0, 20.0, 1.0, 8.0], dtype=dt)
    pairs = torch.tensor(list(itertools.permutations(range(k), 2)))
    w, l = pairs[:, 0], pairs[:, 1]
    prefs = torch.sigmoid(reward[w] - reward[l])
    logits = pi_ref.log().clone().requires_grad_(True)
    for _ in range(100):
        logp = torch.log_softmax(logits, -1)
        loss = (prefs * r_dpo_loss(logp[w], logp[l], pi_ref.log()[w], pi_ref.log()[l], length[w], length[l], 0.5, alpha)).sum()
        (grad,) = torch.autograd.grad(loss, logits)
        with torch.no_grad():
            logits -= 1.0 * grad
    pi_rdpo = torch.softmax(logits.detach(), -1)
    assert torch.allclose(pi_rdpo, optimal_policy(pi_ref, reward - alpha * length, 0.5), atol=1e-8)
    assert (pi_rdpo * length).sum() < (optimal_policy(pi_ref, reward, 0.5) * length).sum()
    print(f"mean |r_hat| at |y| = 8/32/128: {', '.join(f'{x.item():.2f}' for x in mean_abs)}; expected length "
          f"{ref_len:.1f} -> DPO {len_dpo:.1f}, length-normalised {len_norm:.1f}")


if __name__ == "__main__":
    main()
