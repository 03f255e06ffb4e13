"""Q29 · The alignment tax: preference reward up, capability down — and PPO-ptx's mixed-in pretraining loss.

Ouyang et al. 2022 (InstructGPT, arXiv:2203.02155) saw RLHF regress zero-shot performance on public NLP
datasets (e.g. SQuADv2, DROP) and mitigated it by adding the pretraining log-likelihood to the RL
objective (their eq. 2, "PPO-ptx"):

    objective(φ) = E_{(x,y)~π_φ}[ r(x,y) − β log π_φ(y|x)/π_SFT(y|x) ] + γ E_{x~D_pretrain}[ log π_φ(x) ].

The toy: one set of shared weights W serves two kinds of context. Preference prompts are scored by a
reward model that favours some tokens whatever the prompt; capability prompts have a right answer,
the one the pretrained model π_ref gives. RLHF on the preference prompts moves the shared weights and
drags the capability prompts along — the KL term only watches the prompts RL sees. The ptx term is
the log-likelihood of pretraining data on the capability prompts, which π_ref already maximises.

Run: ``python -m snippets.q29_alignment_tax``
"""

from __future__ import annotations

import torch


def ptx_objective(
    w: torch.Tensor,
    w_ref: torch.Tensor,
    h_pref: torch.Tensor,
    h_pre: torch.Tensor,
    reward: torch.Tensor,
    beta: float,
    gamma: float,
) -> torch.Tensor:
    """InstructGPT's eq. 2 on a toy softmax policy π_W(·|h) = softmax(h W), with exact expectations.

    J(W) = mean_{h∈pref} [ E_{y~π_W}[r(y)] − β KL(π_W(·|h) ‖ π_ref(·|h)) ]
           + γ · mean_{h∈pretrain} E_{y~π_ref(·|h)}[ log π_W(y|h) ]

    The pretraining data on context h is modelled as draws from π_ref(·|h) (the pretrained model fits its
    data), so the ptx term is −(forward KL to π_ref) up to a constant and is maximal at W = W_ref.

    Args:
        w: policy weights, shape (D, V).
        w_ref: reference (pretrained/SFT) weights, shape (D, V).
        h_pref: RL prompt features, shape (N_pref, D).
        h_pre: pretraining-mix context features, shape (N_pre, D).
        reward: reward-model score of each of the V responses, shape (V,).
        beta: KL coefficient β >= 0.
        gamma: pretraining coefficient γ >= 0 (γ = 0 is plain RLHF, "PPO" in the paper).

    Returns:
        J(W), a scalar to maximise.
    """
    if w.shape != w_ref.shape or h_pref.shape[1] != w.shape[0] or h_pre.shape[1] != w.shape[0] or reward.shape != (w.shape[1],):
        raise ValueError(f"shapes do not fit: w {tuple(w.shape)}, w_ref {tuple(w_ref.shape)}, h_pref {tuple(h_pref.shape)}, h_pre {tuple(h_pre.shape)}, reward {tuple(reward.shape)}")
    logp = torch.log_softmax(h_pref @ w, dim=-1)
    ref_logp = torch.log_softmax(h_pref @ w_ref, dim=-1)
    # E_π[r] − β KL(π‖π_ref), per preference prompt
    rl = (logp.exp() * (reward - beta * (logp - ref_logp))).sum(-1).mean()
    # γ E_{y~π_ref(·|h)} log π_W(y|h), per pretraining context
    pre = (torch.softmax(h_pre @ w_ref, dim=-1) * torch.log_softmax(h_pre @ w, dim=-1)).sum(-1).mean()
    return rl + gamma * pre


def ptx_gradient(
    w: torch.Tensor,
    w_ref: torch.Tensor,
    h_pref: torch.Tensor,
    h_pre: torch.Tensor,
    reward: torch.Tensor,
    beta: float,
    gamma: float,
) -> torch.Tensor:
    """Closed-form ∂J/∂W of :func:`ptx_objective`, shape (D, V) (checked against autograd in ``main``).

    With logits z = hW and p = softmax(z): the RL term gives ∂/∂z = p ⊙ (A − E_p[A]) with the "advantage"
    A = r − β log(p/p_ref) (the −β E_p[∂ log p] term vanishes because Σ_y ∂p(y) = 0); the ptx term gives
    ∂/∂z = γ (p_ref − p). Then ∂J/∂W = h_prefᵀ ∂z_pref + h_preᵀ ∂z_pre, each averaged over its contexts.
    """
    logp = torch.log_softmax(h_pref @ w, dim=-1)
    p = logp.exp()
    # A = r − β (log π − log π_ref)
    adv = reward - beta * (logp - torch.log_softmax(h_pref @ w_ref, dim=-1))
    # ∂J_RL/∂z = π ⊙ (A − E_π A)
    g_pref = p * (adv - (p * adv).sum(-1, keepdim=True)) / h_pref.shape[0]
    # ∂J_ptx/∂z = γ (π_ref − π)
    g_pre = gamma * (torch.softmax(h_pre @ w_ref, dim=-1) - torch.softmax(h_pre @ w, dim=-1)) / h_pre.shape[0]
    return h_pref.T @ g_pref + h_pre.T @ g_pre


def train(w_ref: torch.Tensor, h_pref: torch.Tensor, h_pre: torch.Tensor, reward: torch.Tensor, beta: float, gamma: float, steps: int = 200, lr: float = 1.0) -> torch.Tensor:
    """Gradient ascent on :func:`ptx_objective` from W_ref (exact gradients); returns the trained W, shape (D, V)."""
    w = w_ref.clone()
    for _ in range(steps):
        w = w + lr * ptx_gradient(w, w_ref, h_pref, h_pre, reward, beta, gamma)
    return w


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    dim, vocab, n_pref, n_cap = 6, 24, 24, 24
    h_pref = torch.randn(n_pref, dim, dtype=torch.float64, generator=gen)
    h_cap = torch.randn(n_cap, dim, dtype=torch.float64, generator=gen)
    w_ref = 1.5 * torch.randn(dim, vocab, dtype=torch.float64, generator=gen)
    reward = torch.randn(vocab, dtype=torch.float64, generator=gen)
    answer = (h_cap @ w_ref).argmax(-1)  # the pretrained model's (correct) answers

    def capability(w: torch.Tensor) -> float:  # mean probability of the right answer on capability prompts
        return torch.softmax(h_cap @ w, -1)[torch.arange(n_cap), answer].mean().item()

    def preference(w: torch.Tensor) -> float:  # mean RM score on preference prompts
        return (torch.softmax(h_pref @ w, -1) @ reward).mean().item()

    # The closed-form gradient used for training agrees with autograd on eq. 2.
    w_probe = (w_ref + 0.3 * torch.randn(dim, vocab, dtype=torch.float64, generator=gen)).requires_grad_(True)
    (auto,) = torch.autograd.grad(ptx_objective(w_probe, w_ref, h_pref, h_cap, reward, 0.1, 3.0), w_probe)
    assert torch.allclose(ptx_gradient(w_probe.detach(), w_ref, h_pref, h_cap, reward, 0.1, 3.0), auto, atol=1e-12)

    cap0, pref0 = capability(w_ref), preference(w_ref)
    betas = [0.05, 0.2, 0.5, 1.0, 2.0]
    runs = [train(w_ref, h_pref, h_cap, reward, b, gamma=0.0) for b in betas]
    cap = torch.tensor([capability(w) for w in runs])
    pref = torch.tensor([preference(w) for w in runs])

    # The tax: with a small β, preference reward rises by > 1 while capability falls by > 0.25.
    assert pref[0] - pref0 > 1.0 and cap0 - cap[0] > 0.25
    # A larger β shrinks the tax, but only by giving up preference reward: a monotone trade-off.
    assert (cap.diff() > 0).all() and (pref.diff() < 0).all()

    # PPO-ptx (small β, γ = 3): almost no tax, most of the preference gain kept ...
    w_ptx = train(w_ref, h_pref, h_cap, reward, 0.05, gamma=3.0)
    cap_ptx, pref_ptx = capability(w_ptx), preference(w_ptx)
    assert cap0 - cap_ptx < 0.1 * (cap0 - cap[0])
    assert pref_ptx - pref0 > 0.7 * (pref[0] - pref0)
    # ... and it beats the KL-only run at β = 1 on both axes: more preference reward and less tax.
    assert pref_ptx > pref[3] + 0.2 and cap_ptx > cap[3] + 0.02
    print(f"RLHF: pref {pref0:.2f} -> {pref[0]:.2f}, capability {cap0:.2f} -> {cap[0]:.2f}; PPO-ptx: pref {pref_ptx:.2f}, capability {cap_ptx:.2f}")


if __name__ == "__main__":
    main()
