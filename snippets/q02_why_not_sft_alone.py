"""Q2 · Why SFT alone is not enough: demonstrations carry frequencies, comparisons carry rankings.

SFT maximises the likelihood of demonstrations, Σ log π(y_demo | x); on a bandit its optimum is the
empirical distribution of the demonstrations, whatever their quality. Two "worlds" whose demonstrators
write the same answers equally often, but in which a different answer is better, give the same SFT model:
the data cannot encode which of two acceptable answers is preferred, and the model copies demonstrators'
occasional bad answers. Comparisons y_w ≻ y_l drawn from Bradley–Terry preferences do encode the order,
and a preference loss (DPO, Rafailov et al. 2023, arXiv:2305.18290, eq. 7) anchored on the SFT model learns
it, pushing mass from the worse to the better answer and away from the bad one.

Run: ``python -m snippets.q02_why_not_sft_alone``
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from snippets.q14_dpo_derivation import dpo_loss


def sft_loss(logits: torch.Tensor, demos: torch.Tensor) -> torch.Tensor:
    """Mean SFT cross-entropy −(1/N) Σ_n log π(y_n) of a bandit policy π = softmax(logits).

    Args:
        logits: policy logits over the K responses, shape (K,).
        demos: indices of the demonstrated responses, shape (N,), int64.

    Returns:
        the loss, a scalar.
    """
    if logits.dim() != 1 or demos.dim() != 1:
        raise ValueError(f"need logits (K,) and demos (N,), got {tuple(logits.shape)} and {tuple(demos.shape)}")
    # L_SFT = −mean_n log softmax(logits)[y_n]
    return -F.log_softmax(logits, -1)[demos].mean()


def train_logits(logits: torch.Tensor, loss_fn: Callable[[torch.Tensor], torch.Tensor], steps: int, lr: float) -> torch.Tensor:
    """Full-batch gradient descent on bandit logits.

    Args:
        logits: starting logits, shape (K,).
        loss_fn: maps logits (K,) to a scalar loss.
        steps: number of gradient steps.
        lr: step size.

    Returns:
        the trained logits, shape (K,), detached.
    """
    x = logits.detach().clone().requires_grad_(True)
    for _ in range(steps):
        (grad,) = torch.autograd.grad(loss_fn(x), x)
        with torch.no_grad():
            x -= lr * grad
    return x.detach()


def main() -> None:
    torch.manual_seed(0)
    # Five responses to one prompt: y0 and y1 are both acceptable, y2–y4 are bad.
    k, beta = 5, 0.5
    pretrained = torch.zeros(k, dtype=torch.float64)
    # Demonstrators write y1 more often than y0 (it is the more obvious answer) and sometimes slip into y2.
    demo_dist = torch.tensor([0.35, 0.55, 0.10, 0.0, 0.0], dtype=torch.float64)
    worlds = {
        "y0 better": torch.tensor([2.0, 1.0, -2.0, -2.0, -2.0], dtype=torch.float64),
        "y1 better": torch.tensor([1.0, 2.0, -2.0, -2.0, -2.0], dtype=torch.float64),
    }
    sft, pref = {}, {}
    for name, r_true in worlds.items():
        # SFT: one demonstration per prompt, 2000 prompt draws; the demonstrators do not depend on r_true.
        demos = torch.multinomial(demo_dist, 2000, replacement=True)
        sft_logits = train_logits(pretrained, lambda z: sft_loss(z, demos), steps=150, lr=2.0)
        sft[name] = torch.softmax(sft_logits, -1)
        # Its optimum is the empirical frequency of the demonstrations.
        freq = torch.bincount(demos, minlength=k).double() / len(demos)
        assert torch.allclose(sft[name][:3], freq[:3], atol=0.01)

        # Preferences: pairs sampled from the SFT model, labelled by Bradley–Terry on the true reward.
        a, b = torch.multinomial(sft[name], 4000, replacement=True), torch.multinomial(sft[name], 4000, replacement=True)
        keep = a != b
        a, b = a[keep], b[keep]
        a_wins = torch.rand(len(a), dtype=torch.float64) < torch.sigmoid(r_true[a] - r_true[b])
        w, l = torch.where(a_wins, a, b), torch.where(a_wins, b, a)
        ref = torch.log(sft[name])

        def pref_loss(z: torch.Tensor) -> torch.Tensor:
            logp = torch.log_softmax(z, -1)
            return dpo_loss(logp[w], logp[l], ref[w], ref[l], beta).mean()

        pref[name] = torch.softmax(train_logits(sft_logits, pref_loss, steps=200, lr=5.0), -1)

    a_sft, b_sft = sft["y0 better"], sft["y1 better"]
    # 1. SFT is blind to the ranking: the two worlds give the same SFT model (up to sampling noise), and in
    #    both it ranks y1 above y0 because demonstrators wrote y1 more often.
    assert (a_sft - b_sft).abs().max() < 0.05
    assert a_sft[1] > a_sft[0] + 0.1 and b_sft[1] > b_sft[0] + 0.1
    # 2. ...and it imitates the demonstrators' slips: about 10% of its mass sits on the bad answer y2.
    assert a_sft[2] > 0.07 and b_sft[2] > 0.07
    # 3. The preference loss recovers each world's ranking between the two acceptable answers...
    assert pref["y0 better"][0] > pref["y0 better"][1] + 0.1
    assert pref["y1 better"][1] > pref["y1 better"][0] + 0.1
    # 4. ...and pushes the bad answer down, which a loss that only raises demonstrations cannot target.
    assert pref["y0 better"][2] < a_sft[2] / 3 and pref["y1 better"][2] < b_sft[2] / 3
    print(f"SFT pi(y0), pi(y1): {a_sft[0]:.2f}, {a_sft[1]:.2f} in both worlds; "
          f"after preferences: {pref['y0 better'][0]:.2f}, {pref['y0 better'][1]:.2f} vs {pref['y1 better'][0]:.2f}, {pref['y1 better'][1]:.2f}")


if __name__ == "__main__":
    main()
