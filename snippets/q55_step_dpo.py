"""Q55 · Step-DPO: DPO on the first wrong reasoning step, conditioned on the correct steps before it.

Lai et al. 2024 (arXiv:2406.18629). For a problem x with a correct prefix s_1..s_{k−1}, a correct next step
s_win and an erroneous one s_lose, Step-DPO minimises

    −log σ( β log π_θ(s_win | x, s_<k)/π_ref(s_win | x, s_<k) − β log π_θ(s_lose | x, s_<k)/π_ref(s_lose | x, s_<k) ),

i.e. the DPO loss of Rafailov et al. 2023 with the prompt extended by the shared prefix and the "responses"
cut to one step. The prefix gets no gradient and nothing after the step is scored. Solution-level DPO on a
wrong answer instead pushes down *every* token of it, correct opening steps included.

Run: ``python -m snippets.q55_step_dpo``
"""

from __future__ import annotations

import torch

from snippets.q14_dpo_derivation import dpo_loss, sequence_logprob


def step_mask(prefix_len: torch.Tensor, step_len: torch.Tensor, seq_len: int) -> torch.Tensor:
    """Mask of the step tokens: 1 on positions prefix_len ≤ t < prefix_len + step_len, shape (B, T)."""
    if prefix_len.shape != step_len.shape or prefix_len.dim() != 1:
        raise ValueError(f"prefix_len {tuple(prefix_len.shape)} and step_len {tuple(step_len.shape)} must both be (B,)")
    t = torch.arange(seq_len).unsqueeze(0)
    return ((t >= prefix_len.unsqueeze(1)) & (t < (prefix_len + step_len).unsqueeze(1))).float()


def step_dpo_loss(
    policy_logits_win: torch.Tensor,
    policy_logits_lose: torch.Tensor,
    ref_logits_win: torch.Tensor,
    ref_logits_lose: torch.Tensor,
    labels_win: torch.Tensor,
    labels_lose: torch.Tensor,
    prefix_len: torch.Tensor,
    step_len_win: torch.Tensor,
    step_len_lose: torch.Tensor,
    beta: float = 0.4,
) -> torch.Tensor:
    """Per-pair Step-DPO loss (Lai et al. 2024): DPO on the log-probabilities of one step given a shared prefix.

    Args:
        policy_logits_win: π_θ next-token logits on [x, s_<k, s_win], shape (B, T, V), aligned with the labels.
        policy_logits_lose: π_θ next-token logits on [x, s_<k, s_lose], shape (B, T, V).
        ref_logits_win: π_ref logits on [x, s_<k, s_win], shape (B, T, V).
        ref_logits_lose: π_ref logits on [x, s_<k, s_lose], shape (B, T, V).
        labels_win: token ids of [x, s_<k, s_win], shape (B, T).
        labels_lose: token ids of [x, s_<k, s_lose], shape (B, T); the first ``prefix_len`` must equal labels_win's.
        prefix_len: length of x plus the correct steps s_<k, shape (B,).
        step_len_win: length of s_win in tokens, shape (B,).
        step_len_lose: length of s_lose in tokens, shape (B,).
        beta: β (the authors' script for Qwen2-72B-Instruct uses 0.4).

    Returns:
        loss per pair, shape (B,).
    """
    b, t = labels_win.shape
    if labels_lose.shape != (b, t):
        raise ValueError(f"labels_win {tuple(labels_win.shape)} and labels_lose {tuple(labels_lose.shape)} must match")
    shared = torch.arange(t).unsqueeze(0) < prefix_len.unsqueeze(1)
    if ((labels_win != labels_lose) & shared).any():
        raise ValueError("the two sequences must share their first prefix_len tokens (x and the correct steps s_<k)")
    mask_w, mask_l = step_mask(prefix_len, step_len_win, t), step_mask(prefix_len, step_len_lose, t)
    # log π(s | x, s_<k) = Σ over the step's tokens only; the prefix is context, not a response
    return dpo_loss(
        sequence_logprob(policy_logits_win, labels_win, mask_w),
        sequence_logprob(policy_logits_lose, labels_lose, mask_l),
        sequence_logprob(ref_logits_win, labels_win, mask_w),
        sequence_logprob(ref_logits_lose, labels_lose, mask_l),
        beta,
    )


def main() -> None:
    torch.manual_seed(0)
    dt, beta = torch.float64, 0.4
    # A three-step "solver": each step is one token from {correct-a, correct-b, wrong}, chosen given the step
    # index and the previous step (index 3 = start). Policy and reference are tables of logits.
    steps, choices = 3, 3
    ca, cb, wrong, start = 0, 1, 2, 3
    ref = torch.randn(steps, choices + 1, choices, dtype=dt)

    def logits_of(table: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        prev = torch.cat([torch.full((y.shape[0], 1), start), y[:, :-1]], dim=1)
        return table[torch.arange(steps), prev]  # (B, T, V)

    # Step-DPO pair: prefix = [correct-a]; s_win = correct-a, s_lose = wrong at step 2 (one token each).
    win, lose = torch.tensor([[ca, ca, ca]]), torch.tensor([[ca, wrong, ca]])
    one = torch.ones(1, dtype=torch.long)

    def step_loss(table: torch.Tensor) -> torch.Tensor:
        return step_dpo_loss(logits_of(table, win), logits_of(table, lose), logits_of(ref, win), logits_of(ref, lose),
                             win, lose, one, one, one, beta)

    # 1. It is DPO conditioned on the prefix: scoring prefix + step as the "response" gives the same loss,
    #    because the prefix's log-ratio appears on both sides and cancels.
    theta = ref + 0.5 * torch.randn_like(ref)
    up_to_step = torch.tensor([[1.0, 1.0, 0.0]])
    plain = dpo_loss(*(sequence_logprob(logits_of(tab, y), y, up_to_step) for tab, y in ((theta, win), (theta, lose), (ref, win), (ref, lose))), beta)
    assert torch.allclose(step_loss(theta), plain)

    # Solution-level DPO pair: a different correct solution (b, b, b) vs the wrong answer (a, wrong, a), whose
    # first step was fine — the usual outcome of labelling whole answers by their final result.
    y_w, y_l = torch.tensor([[cb, cb, cb]]), torch.tensor([[ca, wrong, ca]])
    full = torch.ones(1, steps, dtype=dt)

    def outcome_loss(table: torch.Tensor) -> torch.Tensor:
        return dpo_loss(sequence_logprob(logits_of(table, y_w), y_w, full), sequence_logprob(logits_of(table, y_l), y_l, full),
                        sequence_logprob(logits_of(ref, y_w), y_w, full), sequence_logprob(logits_of(ref, y_l), y_l, full), beta)

    # 2. Credit assignment, read off the gradients at π_θ = π_ref.
    table = ref.clone().requires_grad_(True)
    (g_step,) = torch.autograd.grad(step_loss(table).sum(), table)
    table = ref.clone().requires_grad_(True)
    (g_out,) = torch.autograd.grad(outcome_loss(table).sum(), table)
    assert (g_step[0] == 0).all() and (g_step[2] == 0).all()  # nothing but the erroneous step is touched
    assert g_step[1, ca, wrong] > 0  # descent lowers π(wrong | after a correct first step)
    assert g_out[0, start, ca] > 0  # solution-level DPO lowers the *correct* first step a...
    assert g_out[2, wrong, ca] > 0  # ...and whatever followed the error

    # 3. Train each for the same budget: both suppress the error; only solution-level DPO unlearns step a.
    def train(loss_fn, n: int = 100, lr: float = 1.0) -> torch.Tensor:
        table = ref.clone().requires_grad_(True)
        for _ in range(n):
            (g,) = torch.autograd.grad(loss_fn(table).sum(), table)
            with torch.no_grad():
                table -= lr * g
        return torch.softmax(table.detach(), -1)

    p_ref, p_step, p_out = torch.softmax(ref, -1), train(step_loss), train(outcome_loss)
    assert p_step[1, ca, wrong] < 0.5 * p_ref[1, ca, wrong] and p_out[1, ca, wrong] < 0.5 * p_ref[1, ca, wrong]
    assert torch.equal(p_step[0], p_ref[0])  # the correct first step is left exactly as it was
    assert p_out[0, start, ca] < 0.8 * p_ref[0, start, ca]
    print(f"pi(first step = a): ref {p_ref[0, start, ca].item():.3f}, Step-DPO {p_step[0, start, ca].item():.3f}, "
          f"solution-level DPO {p_out[0, start, ca].item():.3f}")


if __name__ == "__main__":
    main()
