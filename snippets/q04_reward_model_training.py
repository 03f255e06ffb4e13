"""Q4 · Training a reward model: a scalar head fitted with the pairwise Bradley–Terry loss.

Ouyang et al. 2022 (arXiv:2203.02155), eq. 1: with r_θ(x, y) the scalar output of the reward model,

    loss(θ) = −1/C(K,2) · E_{(x, y_w, y_l)} [ log σ( r_θ(x, y_w) − r_θ(x, y_l) ) ],

all C(K,2) pairs of a K-way ranking forming one batch element; Touvron et al. 2023 (arXiv:2307.09288,
eq. 2) subtract a margin m(r) that grows with the annotator's preference strength. Only reward
differences enter, so the loss is blind to adding a constant to every reward: the scalar head's bias gets
no gradient, and InstructGPT re-centres the reward with a bias after training.

Here a tiny "language model" (token embeddings, a per-token MLP, masked mean-pooling) with a scalar head
is trained on noisy synthetic comparisons of toy token sequences, and orders held-out pairs correctly.

Run: ``python -m snippets.q04_reward_model_training``
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn


def reward_model_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor, margin: torch.Tensor | None = None) -> torch.Tensor:
    """Per-pair loss −log σ(r_w − r_l − m) (InstructGPT eq. 1; Llama 2 eq. 2 with margin m).

    Args:
        r_chosen: rewards of the preferred responses r(x, y_w), shape (B,).
        r_rejected: rewards of the dispreferred responses r(x, y_l), shape (B,).
        margin: optional m ≥ 0 per pair, shape (B,); ``None`` means m = 0.

    Returns:
        loss per pair, shape (B,). Finite for any finite input (computed with logsigmoid).
    """
    if r_chosen.shape != r_rejected.shape or r_chosen.dim() != 1:
        raise ValueError(f"r_chosen and r_rejected must both have shape (B,), got {tuple(r_chosen.shape)} and {tuple(r_rejected.shape)}")
    if margin is not None and margin.shape != r_chosen.shape:
        raise ValueError(f"margin must have shape {tuple(r_chosen.shape)}, got {tuple(margin.shape)}")
    diff = r_chosen - r_rejected
    if margin is not None:
        diff = diff - margin
    # L = −log σ(r_w − r_l − m)
    return -F.logsigmoid(diff)


def ranking_loss(rewards: torch.Tensor) -> torch.Tensor:
    """InstructGPT's K-way loss: the mean of −log σ(r_i − r_j) over all C(K,2) pairs i ranked above j.

    One forward pass per completion gives all C(K,2) comparisons of a prompt.

    Args:
        rewards: r(x, y_k) for K completions per prompt, sorted best first, shape (N, K), K ≥ 2.

    Returns:
        loss per prompt, shape (N,).
    """
    if rewards.dim() != 2 or rewards.shape[1] < 2:
        raise ValueError(f"rewards must have shape (N, K) with K >= 2, got {tuple(rewards.shape)}")
    i, j = torch.triu_indices(rewards.shape[1], rewards.shape[1], offset=1)
    # loss = 1/C(K,2) Σ_{i<j} −log σ(r_i − r_j), completion i ranked above completion j
    return -F.logsigmoid(rewards[:, i] - rewards[:, j]).mean(-1)


class ScalarRewardModel(nn.Module):
    """A toy reward model: token embeddings → per-token MLP → masked mean over the response → scalar head.

    In a real RM the body is the SFT transformer with its unembedding layer removed and the scalar is read
    at the last token; the head is the same ``nn.Linear(d, 1)``.
    """

    def __init__(self, vocab_size: int, dim: int = 16) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.body = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())
        self.head = nn.Linear(dim, 1)

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Rewards r(y) of shape (B,) for token ids ``tokens`` (B, T) and a 0/1 ``mask`` (B, T) of real tokens."""
        if tokens.shape != mask.shape or tokens.dim() != 2:
            raise ValueError(f"tokens and mask must both have shape (B, T), got {tuple(tokens.shape)} and {tuple(mask.shape)}")
        # The body acts on each token alone, so run it once per vocabulary entry: h_v = body(embed(v)), (V, d).
        h_vocab = self.body(self.embed.weight)
        # counts[b, v] = number of real tokens equal to v in row b, shape (B, V)
        counts = torch.zeros(tokens.shape[0], h_vocab.shape[0], dtype=h_vocab.dtype).scatter_add_(1, tokens, mask.to(h_vocab.dtype))
        # pooled = Σ_t m_t h(y_t) / max(Σ_t m_t, 1): an empty row pools to 0 instead of NaN
        pooled = counts @ h_vocab / counts.sum(-1, keepdim=True).clamp_min(1.0)
        return self.head(pooled).squeeze(-1)


def _sequences(n: int, vocab: int, max_len: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.randint(3, max_len + 1, (n,), generator=gen)
    tokens = torch.randint(0, vocab, (n, max_len), generator=gen)
    mask = (torch.arange(max_len)[None, :] < lengths[:, None]).long()
    return tokens * mask, mask


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    vocab, max_len = 20, 12
    token_quality = torch.randn(vocab, generator=gen)

    def true_reward(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return 3.0 * (token_quality[tokens] * mask).sum(1) / mask.sum(1)

    def make_pairs(n: int) -> tuple[torch.Tensor, ...]:
        ta, ma = _sequences(n, vocab, max_len, gen)
        tb, mb = _sequences(n, vocab, max_len, gen)
        # Labels are Bradley–Terry samples of the true reward: noisy, as human comparisons are.
        a_wins = torch.rand(n, generator=gen) < torch.sigmoid(true_reward(ta, ma) - true_reward(tb, mb))
        w = a_wins[:, None]
        return torch.where(w, ta, tb), torch.where(w, ma, mb), torch.where(w, tb, ta), torch.where(w, mb, ma)

    train, test = make_pairs(3000), make_pairs(2000)
    model = ScalarRewardModel(vocab)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(100):
        opt.zero_grad()
        loss = reward_model_loss(model(*train[:2]), model(*train[2:])).mean()
        loss.backward()
        # 1. The head's bias gets (numerically) zero gradient: it cancels in r_w − r_l.
        assert model.head.bias.grad.abs().item() < 1e-6 * max(1.0, model.head.weight.grad.abs().max().item())
        opt.step()

    with torch.no_grad():
        rw, rl = model(*test[:2]), model(*test[2:])
        # 2. Held-out pairs: the RM orders them as the true reward does (labels are noisy, order is not).
        true_w, true_l = true_reward(*test[:2]), true_reward(*test[2:])
        agree = ((rw > rl) == (true_w > true_l)).double().mean().item()
        assert agree > 0.88, agree
        # ...and its accuracy on the noisy held-out labels is close to the Bayes ceiling E[max(p, 1−p)].
        p_true = torch.sigmoid(true_w - true_l)
        ceiling = torch.maximum(p_true, 1 - p_true).mean().item()
        accuracy = (rw > rl).double().mean().item()
        assert accuracy > ceiling - 0.04, (accuracy, ceiling)

        # 3. Adding a constant to every reward changes nothing; InstructGPT uses this to centre the RM.
        base = reward_model_loss(rw, rl)
        assert torch.allclose(reward_model_loss(rw + 3.7, rl + 3.7), base, atol=1e-6)
        model.head.bias -= model(*train[:2]).mean()  # centre on a reference set (InstructGPT: demonstrations)
        assert abs(model(*train[:2]).mean().item()) < 1e-5
        assert torch.allclose(reward_model_loss(model(*test[:2]), model(*test[2:])), base, atol=1e-5)

    # 4. K-way ranking: InstructGPT's loss over C(K,2) pairs equals the mean pairwise loss on those pairs.
    r = torch.randn(5, 4, dtype=torch.float64)
    pairs = list(itertools.combinations(range(4), 2))
    expanded = torch.stack([reward_model_loss(r[:, i], r[:, j]) for i, j in pairs], -1).mean(-1)
    assert torch.allclose(ranking_loss(r), expanded, atol=1e-12)
    # 5. A margin (Llama 2) demands a wider gap: same rewards, larger loss.
    assert (reward_model_loss(rw, rl, torch.ones_like(rw)) > base).all()
    print(f"held-out order agreement {agree:.3f}; accuracy {accuracy:.3f} vs Bayes ceiling {ceiling:.3f}")


if __name__ == "__main__":
    main()
