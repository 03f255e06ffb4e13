"""Q23 · SimPO: a length-normalised, reference-free reward with a target margin.

Meng, Xia & Chen 2024 (arXiv:2405.14734). SimPO replaces DPO's implicit reward with the average
token log-probability under the policy alone and asks the winner to beat the loser by a margin γ:

    r_SimPO(x, y) = (β / |y|) log π_θ(y|x) = (β / |y|) Σ_t log π_θ(y_t | x, y_<t)
    L_SimPO       = −E log σ( r_SimPO(x, y_w) − r_SimPO(x, y_l) − γ ).

No π_ref appears, so no reference model is held in memory. Dividing by |y| removes the *summation*
source of length bias (a per-token-constant model gets the same reward at every length); it does not
remove length preferences that are in the labels themselves. The paper's β is 2.0–2.5; the authors'
repository tunes γ through the ratio γ/β (start at 0.5, search [0, 1]).

Run: ``python -m snippets.q23_simpo``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from snippets.q14_dpo_derivation import implicit_reward


def simpo_reward(policy_logp: torch.Tensor, lengths: torch.Tensor, beta: float = 2.0) -> torch.Tensor:
    """SimPO's reward (β/|y|) log π_θ(y|x), shape (B,).

    Args:
        policy_logp: summed log π_θ(y|x) over the response tokens, shape (B,).
        lengths: |y| in tokens, shape (B,); values below 1 are treated as 1.
        beta: reward scale β > 0 (paper: 2.0–2.5).
    """
    if policy_logp.shape != lengths.shape or policy_logp.dim() != 1:
        raise ValueError(f"policy_logp and lengths must share shape (B,), got {tuple(policy_logp.shape)} and {tuple(lengths.shape)}")
    # r = β · log π_θ(y|x) / |y|
    return beta * policy_logp / lengths.to(policy_logp.dtype).clamp_min(1)


def simpo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    chosen_lengths: torch.Tensor,
    rejected_lengths: torch.Tensor,
    beta: float = 2.0,
    gamma: float = 1.0,
) -> torch.Tensor:
    """Per-pair SimPO loss −log σ(r_w − r_l − γ) (Meng et al. 2024).

    Args:
        policy_chosen_logp: summed log π_θ(y_w|x), shape (B,).
        policy_rejected_logp: summed log π_θ(y_l|x), shape (B,).
        chosen_lengths: |y_w| in tokens, shape (B,).
        rejected_lengths: |y_l| in tokens, shape (B,).
        beta: reward scale β (paper: 2.0–2.5).
        gamma: target reward margin γ ≥ 0 (γ = 0 gives a reference-free, length-normalised DPO).

    Returns:
        loss per pair, shape (B,). No reference model is involved.
    """
    if not (policy_chosen_logp.shape == policy_rejected_logp.shape == chosen_lengths.shape == rejected_lengths.shape):
        raise ValueError("the two log-probabilities and the two lengths must all have shape (B,)")
    # --8<-- [start:simpo]
    # r = (β/|y|) log π_θ(y|x): the policy's own average token log-probability, no π_ref
    margin = simpo_reward(policy_chosen_logp, chosen_lengths, beta) - simpo_reward(policy_rejected_logp, rejected_lengths, beta)
    # L = −log σ(r_w − r_l − γ): the winner must clear the loser by the target margin γ
    return -F.logsigmoid(margin - gamma)
    # --8<-- [end:simpo]


def main() -> None:
    torch.manual_seed(0)
    f64 = dict(dtype=torch.float64)
    beta, beta_dpo = 2.0, 0.1

    # 1. Length: a model whose every token has log-prob c gives log π(y) = c·|y|. SimPO's reward is β·c at
    #    every length; DPO's implicit reward β(c − c_ref)|y| grows linearly with length.
    lengths = torch.tensor([5, 20, 80, 320, 1280], **f64)
    c, c_ref = -0.9, -1.0
    r_simpo = simpo_reward(c * lengths, lengths, beta)
    r_dpo = implicit_reward(c * lengths, c_ref * lengths, beta_dpo)
    assert torch.allclose(r_simpo, torch.full_like(lengths, beta * c))
    assert torch.allclose(r_dpo / lengths, torch.full_like(lengths, beta_dpo * (c - c_ref)))
    assert r_dpo[-1] > 200 * r_dpo[0]

    # 2. The gradient on each token is (β/|y|)·σ(γ − Δr): each token of a long response gets less push,
    #    and the total push on a response is the same whatever its length (checked against autograd).
    T = 64
    for len_w, len_l in ((8, 64), (64, 8)):
        tok_w = (torch.randn(T, **f64) - 1).requires_grad_(True)
        tok_l = (torch.randn(T, **f64) - 1).requires_grad_(True)
        mw = (torch.arange(T) < len_w).to(torch.float64)
        ml = (torch.arange(T) < len_l).to(torch.float64)
        lw, ll = torch.tensor([float(len_w)], **f64), torch.tensor([float(len_l)], **f64)
        loss = simpo_loss((tok_w * mw).sum().reshape(1), (tok_l * ml).sum().reshape(1), lw, ll, beta, 1.0)
        loss.sum().backward()
        weight = torch.sigmoid(1.0 - (simpo_reward((tok_w * mw).sum().reshape(1), lw, beta) - simpo_reward((tok_l * ml).sum().reshape(1), ll, beta))).detach()
        assert torch.allclose(tok_w.grad, -beta / len_w * weight * mw) and torch.allclose(tok_l.grad, beta / len_l * weight * ml)
        assert torch.isclose(tok_w.grad.sum().abs(), tok_l.grad.sum().abs())

    # 3. The margin γ moves the decision boundary: a pair whose reward gap equals γ still gets gradient weight 1/2,
    #    and at zero gap the loss is log(1 + e^γ) > log 2.
    gamma = 1.6  # the paper's Mistral-Base setting is γ/β = 0.8 with β = 2.0
    gap = torch.tensor([gamma], **f64, requires_grad=True)
    one = torch.ones(1, **f64)
    simpo_loss(gap / beta, torch.zeros(1, **f64), one, one, beta, gamma).sum().backward()
    assert torch.isclose(gap.grad, torch.tensor([-0.5], **f64))  # σ(γ − Δr) = 1/2 at Δr = γ
    zero_gap = simpo_loss(torch.zeros(1, **f64), torch.zeros(1, **f64), one, one, beta, gamma)
    assert torch.isclose(zero_gap, torch.log1p(torch.exp(torch.tensor([gamma], **f64))))

    # 4. Training on one pair with a two-token-type policy: with γ > 0 the learned reward gap after a fixed
    #    budget is larger than with γ = 0 (the margin keeps pushing pairs that are "right but close").
    def train(g: float, steps: int = 200, lr: float = 0.05) -> float:
        theta = torch.zeros(2, **f64, requires_grad=True)  # per-token logits of the "good" and the "bad" token
        lw_, ll_ = torch.tensor([10.0], **f64), torch.tensor([30.0], **f64)
        for _ in range(steps):
            logp = torch.log_softmax(theta, -1)
            loss = simpo_loss(logp[:1] * lw_, logp[1:] * ll_, lw_, ll_, beta, g).sum()
            (grad,) = torch.autograd.grad(loss, theta)
            with torch.no_grad():
                theta -= lr * grad
        logp = torch.log_softmax(theta, -1).detach()
        return (simpo_reward(logp[:1] * lw_, lw_, beta) - simpo_reward(logp[1:] * ll_, ll_, beta)).item()

    gap0, gap_g = train(0.0), train(gamma)
    assert gap_g > gap0 + 0.5

    # 5. Stability: extreme log-probabilities give a finite loss and gradient.
    big = torch.tensor([1e4, -1e4], **f64, requires_grad=True)
    out = simpo_loss(big, -big, torch.ones(2, **f64), torch.ones(2, **f64), beta, gamma)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()
    print(f"SimPO reward is length-free for a per-token-constant model; learned gap {gap_g:.2f} with gamma={gamma} vs {gap0:.2f} without")


if __name__ == "__main__":
    main()
