"""Q11 · Why the critic is hard in RLHF: one reward at the end, and GAE leans on the critic everywhere else.

With a single terminal reward (γ = 1) every TD residual before the last token is
δ_t = V(s_{t+1}) − V(s_t): all per-token signal comes from the critic. GAE (Schulman et al. 2015,
arXiv:1506.02438) then trades bias for variance through λ:

- with the exact value function, Â_t is an unbiased advantage for every λ;
- with a wrong critic and λ < 1, the policy gradient is biased; with an untrained critic (V ≡ 0) the
  reward reaches token t only as (γλ)^{T−1−t}·r — for λ = 0.95 and a 1000-token answer, 0.95^999 ≈ 5.6e-23
  (the "reward signal decay" that Yuan et al. 2025, arXiv:2503.01491, blame for PPO failing on long CoT);
- λ = 1 removes the bias for any critic (it is then only a baseline), but the variance depends on how
  good that baseline is.

Everything is computed exactly on a tabular policy over all 2^T binary sequences — no sampling noise.

Run: ``python -m snippets.q11_value_function_hard``
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from snippets.q10_value_function import gae


def prefix_states(seqs: torch.Tensor) -> torch.Tensor:
    """Index of the prefix state y_<t for every position of every binary sequence.

    Args:
        seqs: all binary sequences, shape (K, T), entries in {0, 1}.

    Returns:
        state ids, shape (K, T): the prefix of length t gets id (2^t − 1) + int(y_<t as binary),
        so the 2^T − 1 prefixes of a depth-T binary tree are numbered 0 … 2^T − 2.
    """
    if seqs.dim() != 2:
        raise ValueError(f"seqs must have shape (K, T), got {tuple(seqs.shape)}")
    k, t_len = seqs.shape
    ids = torch.zeros(k, t_len, dtype=torch.long)
    code = torch.zeros(k, dtype=torch.long)
    for t in range(t_len):
        # id = 2^t − 1 + (y_0 … y_{t−1} read as a binary number)
        ids[:, t] = (2**t - 1) + code
        code = code * 2 + seqs[:, t].long()
    return ids


def token_logprobs(theta: torch.Tensor, seqs: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
    """log π_θ(y_t | y_<t) for a tabular Bernoulli policy, π_θ(1 | s) = σ(θ_s).

    Args:
        theta: one logit per prefix state, shape (S,).
        seqs: binary sequences, shape (K, T).
        states: prefix ids from :func:`prefix_states`, shape (K, T).

    Returns:
        log-probabilities, shape (K, T).
    """
    if seqs.shape != states.shape:
        raise ValueError(f"seqs {tuple(seqs.shape)} and states {tuple(states.shape)} must match")
    logits = theta[states]
    # log π(y_t|s) = log σ(θ_s) if y_t = 1 else log σ(−θ_s)
    return torch.where(seqs.bool(), F.logsigmoid(logits), F.logsigmoid(-logits))


def exact_values(seq_prob: torch.Tensor, reward: torch.Tensor, seqs: torch.Tensor) -> torch.Tensor:
    """The true value V(s_t) = E[r | y_<t] for every position of every sequence, shape (K, T).

    Args:
        seq_prob: π_θ(y) of each full sequence, shape (K,).
        reward: terminal reward r(y), shape (K,).
        seqs: the sequences, shape (K, T).
    """
    if not (seq_prob.shape == reward.shape == seqs.shape[:1]):
        raise ValueError("seq_prob and reward must have shape (K,) matching seqs (K, T)")
    k, t_len = seqs.shape
    values = torch.zeros(k, t_len, dtype=seq_prob.dtype)
    for t in range(t_len):
        same = (seqs[:, None, :t] == seqs[None, :, :t]).all(-1).to(seq_prob.dtype)  # (K, K) same prefix
        # V(y_<t) = Σ_{y' ⊒ y_<t} π(y') r(y') / Σ_{y' ⊒ y_<t} π(y')
        values[:, t] = (same @ (seq_prob * reward)) / (same @ seq_prob)
    return values


def gradient_moments(
    theta: torch.Tensor, seqs: torch.Tensor, states: torch.Tensor, advantages: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact mean and total variance of the one-sample estimator ĝ(y) = Σ_t Â_t(y) ∇_θ log π_θ(y_t|s_t).

    Args:
        theta: policy logits, shape (S,).
        seqs: the binary sequences, shape (K, T).
        states: their prefix ids from :func:`prefix_states`, shape (K, T).
        advantages: Â_t(y) for each sequence (treated as constants), shape (K, T).

    Returns:
        (E_y[ĝ], E_y‖ĝ − E ĝ‖²): the expected update, shape (S,), and its variance summed over
        coordinates, a scalar. Expectations are exact sums over all K sequences.
    """
    with torch.no_grad():
        p1 = torch.sigmoid(theta[states])
        # ∇_{θ_s} log π(y_t|s) = (y_t − σ(θ_s)) on coordinate s = s_t, 0 elsewhere
        per_token = (advantages * (seqs.to(theta.dtype) - p1))
        g = torch.zeros(seqs.shape[0], theta.numel(), dtype=theta.dtype).scatter_add_(1, states, per_token)
        prob = token_logprobs(theta, seqs, states).sum(1).exp()
        mean = prob @ g
        var = (prob * ((g - mean) ** 2).sum(1)).sum()
    return mean, var


def main() -> None:
    torch.manual_seed(0)
    t_len = 5
    seqs = torch.tensor(list(itertools.product([0, 1], repeat=t_len)))
    states = prefix_states(seqs)
    theta = (0.8 * torch.randn(2**t_len - 1, dtype=torch.float64)).requires_grad_(True)
    # A sparse, terminal reward with a large common offset (like a reward model's scores).
    reward = 3.0 + torch.randn(seqs.shape[0], dtype=torch.float64)

    # The true policy gradient ∇_θ E[r], by autograd on the exact expectation.
    seq_prob = token_logprobs(theta, seqs, states).sum(1).exp()
    (true_grad,) = torch.autograd.grad((seq_prob * reward).sum(), theta)
    seq_prob = seq_prob.detach()

    rewards = torch.zeros(seqs.shape[0], t_len, dtype=torch.float64)
    rewards[:, -1] = reward  # the only non-zero reward is on the last token
    mask = torch.ones_like(rewards)
    v_true = exact_values(seq_prob, reward, seqs)
    v_zero = torch.zeros_like(v_true)  # an untrained critic
    # a critic with errors: the exact value plus noise of std 0.5, one error per prefix state
    v_bad = v_true + 0.5 * torch.randn(2**t_len - 1, dtype=torch.float64)[states]

    def cos(a: torch.Tensor, b: torch.Tensor) -> float:
        return float(a @ b / (a.norm() * b.norm()))

    # 1. Exact critic: the expected GAE update is the true gradient for every λ.
    for lam in (0.0, 0.5, 0.95, 1.0):
        mean, _ = gradient_moments(theta, seqs, states, gae(rewards, v_true, mask, 1.0, lam)[0])
        assert torch.allclose(mean, true_grad, atol=1e-10)

    # 2. Wrong critic, λ = 1: still unbiased — the critic is only a state-dependent baseline.
    for v in (v_zero, v_bad):
        mean, _ = gradient_moments(theta, seqs, states, gae(rewards, v, mask, 1.0, 1.0)[0])
        assert torch.allclose(mean, true_grad, atol=1e-10)

    # 3. Wrong critic, λ < 1: biased. The expected update points elsewhere.
    for v in (v_zero, v_bad):
        mean, _ = gradient_moments(theta, seqs, states, gae(rewards, v, mask, 1.0, 0.5)[0])
        assert (mean - true_grad).norm() > 0.2 * true_grad.norm() and cos(mean, true_grad) < 0.99

    # 4. Signal decay: with V ≡ 0 the reward reaches token t as (γλ)^{T−1−t} · r, exactly.
    long_t, lam = 1000, 0.95
    r_long = torch.zeros(1, long_t, dtype=torch.float64)
    r_long[0, -1] = 1.0
    adv_long, _ = gae(r_long, torch.zeros_like(r_long), torch.ones_like(r_long), 1.0, lam)
    assert torch.allclose(adv_long[0], lam ** torch.arange(long_t - 1, -1, -1, dtype=torch.float64))
    assert adv_long[0, 0] < 1e-22  # the first token of a 1000-token answer gets 0.95^999 ≈ 5.6e-23 of the reward

    # 5. Variance at λ = 1 depends on the critic: the untrained critic (baseline 0 against a reward
    #    offset of 3) gives a far noisier update than the exact one.
    _, var_true = gradient_moments(theta, seqs, states, gae(rewards, v_true, mask, 1.0, 1.0)[0])
    _, var_zero = gradient_moments(theta, seqs, states, gae(rewards, v_zero, mask, 1.0, 1.0)[0])
    assert var_zero > 5 * var_true
    # ... and λ < 1 is what buys lower variance — free of bias only when the critic is right (item 1).
    _, var_true_half = gradient_moments(theta, seqs, states, gae(rewards, v_true, mask, 1.0, 0.5)[0])
    assert var_true_half < 0.6 * var_true
    print(f"exact critic: unbiased for all lambda; wrong critic + lambda=0.5: biased; "
          f"V=0 decays credit to {adv_long[0, 0].item():.1e} at token 0 of 1000; "
          f"variance ratio (V=0 vs exact) {float(var_zero / var_true):.1f}")


if __name__ == "__main__":
    main()
