"""Q69 · Reading the KL curve: sequence KL is a SUM of per-token KLs, so length inflates it.

The KL that RLHF logs is the sequence-level KL(π(·|x) ‖ π_ref(·|x)). By the chain rule of KL divergence
(Cover & Thomas 2006, Thm. 2.5.3), for autoregressive policies

    KL(π ‖ π_ref) = Σ_t E_{y_<t ~ π} [ KL( π(·|x, y_<t) ‖ π_ref(·|x, y_<t) ) ],

so a constant per-token drift produces a sequence KL that grows linearly with response length: a rising
KL curve alone does not tell "the policy is diverging" from "the responses are getting longer". Log
both the per-token KL and the length. The per-sample estimate Σ_t (log π − log π_ref) (k1) is unbiased
but goes negative on single samples; k3 (Schulman 2020; DeepSeekMath eq. 4) is unbiased and ≥ 0.

Run: ``python -m snippets.q69_kl_blowup_symptom``
"""

from __future__ import annotations

import itertools

import torch

from snippets.q12_grpo import kl_estimate


def chain_rule_kl(policy_logits: torch.Tensor, ref_logits: torch.Tensor) -> torch.Tensor:
    """Per-position expected KL E_{y_<t ~ π}[KL(π(·|y_{t−1}) ‖ π_ref(·|y_{t−1}))] for first-order Markov policies.

    Args:
        policy_logits: shape (T, V + 1, V): logits of token t given the previous token (row V = start).
        ref_logits: same shape, the reference policy.

    Returns:
        shape (T,): the expected per-token KL at each position; its sum is the sequence KL.
    """
    if policy_logits.shape != ref_logits.shape or policy_logits.dim() != 3 or policy_logits.shape[1] != policy_logits.shape[2] + 1:
        raise ValueError(f"need logits of shape (T, V+1, V) for both policies, got {tuple(policy_logits.shape)} and {tuple(ref_logits.shape)}")
    t_len, _, v = policy_logits.shape
    logp, logq = torch.log_softmax(policy_logits, -1), torch.log_softmax(ref_logits, -1)
    state = torch.zeros(v + 1, dtype=logp.dtype)
    state[v] = 1.0  # before the first token we are in the start state
    out = []
    for t in range(t_len):
        # KL_t(s) = Σ_y π(y|s) [log π(y|s) − log π_ref(y|s)]
        kl_given_state = (logp[t].exp() * (logp[t] - logq[t])).sum(-1)
        # E_{s ~ π}[KL_t(s)]
        out.append(state @ kl_given_state)
        # distribution of y_t under π, which is the state for position t + 1
        state = torch.cat([state @ logp[t].exp(), torch.zeros(1, dtype=logp.dtype)])
    return torch.stack(out)


def _sequence_logp(logits: torch.Tensor, seqs: torch.Tensor) -> torch.Tensor:
    """log π(y) summed over positions for sequences ``seqs`` of shape (N, T); returns per-token (N, T)."""
    v = logits.shape[2]
    prev = torch.cat([torch.full((seqs.shape[0], 1), v), seqs[:, :-1]], dim=1)
    logp = torch.log_softmax(logits, -1)
    return logp[torch.arange(seqs.shape[1]), prev, seqs]


def main() -> None:
    torch.manual_seed(0)
    t_len, v = 4, 3
    ref = torch.randn(t_len, v + 1, v, dtype=torch.float64)
    pol = ref + 0.7 * torch.randn(t_len, v + 1, v, dtype=torch.float64)

    # 1. Chain rule: the exact sequence KL over all V^T = 81 sequences equals the sum of per-token KLs.
    seqs = torch.tensor(list(itertools.product(range(v), repeat=t_len)))
    lp, lq = _sequence_logp(pol, seqs).sum(1), _sequence_logp(ref, seqs).sum(1)
    exact = (lp.exp() * (lp - lq)).sum()
    assert torch.allclose(lp.exp().sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(chain_rule_kl(pol, ref).sum(), exact, atol=1e-12)

    # 2. A constant per-token drift gives a sequence KL linear in length: 10× longer, 10× the KL.
    drift = 0.5 * torch.randn(v, dtype=torch.float64)
    def stationary(length: int, shift: torch.Tensor) -> torch.Tensor:
        return (torch.zeros(length, v + 1, v, dtype=torch.float64) + shift)
    kl_by_len = torch.stack([chain_rule_kl(stationary(n, drift), stationary(n, torch.zeros(v, dtype=torch.float64))).sum() for n in (1, 10, 100)])
    assert torch.allclose(kl_by_len, kl_by_len[0] * torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64))

    # 3. Monitoring from samples: per-sample Σ_t k1 and Σ_t k3 are both unbiased for the sequence KL ...
    probs = lp.exp()
    draws = seqs[torch.multinomial(probs, 20_000, replacement=True)]
    tok_p, tok_q = _sequence_logp(pol, draws), _sequence_logp(ref, draws)
    k1 = kl_estimate(tok_p, tok_q, "k1").sum(1)
    k3 = kl_estimate(tok_p, tok_q, "k3").sum(1)
    for est in (k1, k3):
        assert (est.mean() - exact).abs() < 4 * est.std() / 20_000**0.5
    # ... but k1 is negative on a sizeable share of single samples (a "negative KL" reading is the
    # estimator, not the policy); k3 never is.
    assert (k1 < 0).double().mean() > 0.05 and (k3 >= 0).all()
    print("sequence KL = sum of per-token KLs (linear in length for a fixed drift); k1, k3 unbiased, only k3 >= 0")


if __name__ == "__main__":
    main()
