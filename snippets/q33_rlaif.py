"""Q33 · RLAIF: an AI judge's position bias, measured against held-out human labels, and the swap fix.

RLAIF (Bai et al. 2022, arXiv:2212.08073; Lee et al. 2023, arXiv:2309.00267) replaces human preference
labels with an LLM's. Lee et al. read the judge's probabilities for the tokens "1" and "2", softmax them
into a preference distribution, and — because the order of the candidates sways the judge — score every
pair twice with the order reversed and average the two distributions. They validate the labeller by its
agreement with held-out human preferences ("AI labeler alignment").

This toy judge prefers whichever response it sees first and, independently, longer responses. Asserts:
the position bias is detected by the swap test; averaging both orders removes it exactly and raises
agreement with held-out human labels; the length bias is untouched by swapping (it needs its own fix).

Run: ``python -m snippets.q33_rlaif``
"""

from __future__ import annotations

import torch


def judge_first_prob(q_first: torch.Tensor, q_second: torch.Tensor, len_first: torch.Tensor, len_second: torch.Tensor, skill: float = 1.5, position_bias: float = 1.2, length_bias: float = 0.5) -> torch.Tensor:
    """A toy LLM judge: P(the response shown FIRST is better), shape (N,).

    logit = skill·(q_first − q_second) + position_bias + length_bias·(len_first − len_second),
    i.e. a Bradley–Terry judge on quality q plus a constant bonus for slot 1 and a bonus per unit length.
    All inputs have shape (N,).
    """
    if not (q_first.shape == q_second.shape == len_first.shape == len_second.shape):
        raise ValueError("q_first, q_second, len_first and len_second must all have shape (N,)")
    # z = s Δq + b_pos + λ_len Δℓ
    z = skill * (q_first - q_second) + position_bias + length_bias * (len_first - len_second)
    return torch.sigmoid(z)


def swap_average(p_ab: torch.Tensor, p_ba: torch.Tensor) -> torch.Tensor:
    """Order-debiased P(A ≻ B) = ½[P(first ≻ | A first) + (1 − P(first ≻ | B first))], shape (N,).

    Args:
        p_ab: judge's P(first is better) with A shown first, shape (N,).
        p_ba: the same with B shown first, shape (N,).
    """
    if p_ab.shape != p_ba.shape:
        raise ValueError(f"p_ab {tuple(p_ab.shape)} and p_ba {tuple(p_ba.shape)} must match")
    # p̄(A ≻ B) = (p_AB + 1 − p_BA) / 2
    return 0.5 * (p_ab + 1.0 - p_ba)


def position_bias(p_ab: torch.Tensor, p_ba: torch.Tensor) -> torch.Tensor:
    """Swap test: mean of P(first | A first) + P(first | B first) − 1, a scalar.

    An order-invariant judge has P(first | B first) = 1 − P(first | A first), so the statistic is 0;
    > 0 means the judge favours slot 1, < 0 slot 2. Needs no human labels.
    """
    if p_ab.shape != p_ba.shape:
        raise ValueError(f"p_ab {tuple(p_ab.shape)} and p_ba {tuple(p_ba.shape)} must match")
    # bias = E[p_AB + p_BA − 1]
    return (p_ab + p_ba - 1.0).mean()


def agreement(p_a: torch.Tensor, human_prefers_a: torch.Tensor) -> torch.Tensor:
    """AI-labeller alignment: fraction of pairs where the judge's choice (p_A > ½) matches the human's."""
    if p_a.shape != human_prefers_a.shape:
        raise ValueError(f"p_a {tuple(p_a.shape)} and human labels {tuple(human_prefers_a.shape)} must match")
    return ((p_a > 0.5) == human_prefers_a).double().mean()


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n = 20_000
    q_a, q_b = torch.randn(n, generator=gen), torch.randn(n, generator=gen)  # latent quality
    l_a, l_b = torch.randn(n, generator=gen), torch.randn(n, generator=gen)  # standardised length, independent of quality
    # Held-out "human" labels: Bradley–Terry on quality only (humans here have no length bias).
    human = torch.rand(n, generator=gen) < torch.sigmoid(2.0 * (q_a - q_b))

    p_ab = judge_first_prob(q_a, q_b, l_a, l_b)  # A shown first
    p_ba = judge_first_prob(q_b, q_a, l_b, l_a)  # B shown first
    p_swap = swap_average(p_ab, p_ba)

    # 1. The swap test detects the position bias without any human label; the averaged labels have none.
    assert position_bias(p_ab, p_ba) > 0.1
    assert torch.allclose(p_swap + swap_average(p_ba, p_ab), torch.ones(n))  # p̄(A≻B) + p̄(B≻A) = 1
    inconsistent = ((p_ab > 0.5) == (p_ba > 0.5)).double().mean()  # the same SLOT wins under both orders
    assert inconsistent > 0.1

    # 2. Swap-averaging makes the judge's decisions exactly those of the same judge without the slot bonus,
    #    and raises agreement with the held-out human labels.
    no_pos = judge_first_prob(q_a, q_b, l_a, l_b, position_bias=0.0)
    assert torch.equal(p_swap > 0.5, no_pos > 0.5)
    acc_single, acc_swap = agreement(p_ab, human), agreement(p_swap, human)
    assert acc_swap > acc_single + 0.03

    # 3. The length bias survives swapping: when humans prefer the SHORTER response, the debiased judge
    #    still picks the longer one far more often than a length-neutral judge would.
    shorter_wins = human == (l_a < l_b)
    picks_longer = (p_swap > 0.5) == (l_a > l_b)
    neutral = swap_average(judge_first_prob(q_a, q_b, l_a, l_b, length_bias=0.0), judge_first_prob(q_b, q_a, l_b, l_a, length_bias=0.0))
    neutral_picks_longer = (neutral > 0.5) == (l_a > l_b)
    rate, rate_neutral = picks_longer[shorter_wins].double().mean(), neutral_picks_longer[shorter_wins].double().mean()
    assert rate > rate_neutral + 0.08
    print(
        f"position bias {float(position_bias(p_ab, p_ba)):+.3f} -> 0 after swapping; human agreement "
        f"{float(acc_single):.3f} -> {float(acc_swap):.3f}; picks longer when humans chose shorter: "
        f"{float(rate):.3f} vs {float(rate_neutral):.3f} for a length-neutral judge"
    )


if __name__ == "__main__":
    main()
