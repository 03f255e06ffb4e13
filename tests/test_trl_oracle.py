"""The site's reference losses against Hugging Face TRL's own code ("verified against TRL 1.16.0").

Every test runs TRL's real trainer code (through ``tests/trl_adapter.py``: bare trainers, stand-in models, TRL's
own collators) and the site's snippet functions on the same random float64 inputs — ragged prompts and
responses, padding and masks — and asserts the two agree in value AND gradient within ``TOL``.

Where TRL deliberately departs from the paper, a ``test_pin_*`` asserts both halves: TRL equals the site's
reference applied TRL's way, and differs from it applied the paper's way. When a snippet has no option for
TRL's way, the reference is composed in the test from existing snippet functions (never a change to a snippet).
``docs/includes/trl.yml`` lists the verified losses per page (``verified:``) and the departures (``departures:``).

Needs the ``trl`` extra: ``pip install -c constraints.txt -c constraints-trl.txt 'trl==1.16.0'``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

try:
    import trl  # noqa: F401
except ImportError as error:  # the optional `trl` extra is not installed (or not importable)
    pytest.skip(f"TRL is not importable ({error}); install the extra: "
                "pip install -c constraints.txt -c constraints-trl.txt 'trl==1.16.0'", allow_module_level=True)

from snippets.q04_reward_model_training import reward_model_loss  # noqa: E402
from snippets.q08_why_ppo import clipped_surrogate  # noqa: E402
from snippets.q12_grpo import aggregate, group_advantages, grpo_loss, kl_estimate  # noqa: E402
from snippets.q14_dpo_derivation import dpo_loss, sequence_logprob  # noqa: E402
from snippets.q20_ipo import conservative_dpo_loss, ipo_loss, log_ratio_margin, robust_dpo_loss  # noqa: E402
from snippets.q21_kto import kto_loss, kto_reference_point  # noqa: E402
from snippets.q22_orpo import average_logprob, orpo_loss  # noqa: E402
from snippets.q23_simpo import simpo_loss  # noqa: E402
from snippets.q40_reward_shaping import repetition_penalty
from snippets.q49_dapo import soft_overlong_punishment  # noqa: E402
from snippets.q49_dapo import dapo_loss, overlong_filter, soft_overlong_punishment  # noqa: E402
from snippets.q50_dr_grpo import dr_grpo_loss  # noqa: E402
from snippets.q51_rloo import rloo_advantages, rloo_loss  # noqa: E402
from snippets.q66_sft_batch_size import microbatch_losses  # noqa: E402
from snippets.q76_dapo_tricks import dapo_reward  # noqa: E402
from tests import trl_adapter as A  # noqa: E402

# transformers 5 deprecation notices that TRL 1.16's own code triggers (TrainingArguments, fused LM head)
QUIET = [
    pytest.mark.filterwarnings("ignore:`gradient_checkpointing` is deprecated:FutureWarning"),
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]
pytestmark = [pytest.mark.trl, *QUIET]

TOL = 1e-6  # absolute, on float64 values and gradients
F64 = torch.float64
EOS = 1  # token id 0 is padding, 1 is end-of-sequence, 2.. are ordinary tokens


# ----------------------------------------------------------------------------------------------------------------
# Random inputs
# ----------------------------------------------------------------------------------------------------------------


def _ids(gen: torch.Generator, low: int, high: int) -> list[int]:
    """A random token sequence of random length in [low, high], tokens from 2..999."""
    n = int(torch.randint(low, high + 1, (1,), generator=gen))
    return torch.randint(2, 1000, (n,), generator=gen).tolist()


def _logprobs(gen: torch.Generator, *shape: int) -> torch.Tensor:
    """Random per-token log-probabilities (negative), float64."""
    return -F.softplus(torch.randn(*shape, generator=gen, dtype=F64) - 1.0)


def _mask(lengths: list[int], width: int) -> torch.Tensor:
    return (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).to(F64)


def _close(trl_value: torch.Tensor, site_value: torch.Tensor, tol: float = TOL) -> None:
    torch.testing.assert_close(trl_value.detach().to(F64), site_value.detach().to(F64), atol=tol, rtol=0)


def _differs(a: torch.Tensor, b: torch.Tensor, by: float = 1e-3) -> None:
    assert (a.detach() - b.detach()).abs().max() > by, "expected the two conventions to give different results"


class Leaves:
    """Two leaf copies of the same values: one fed to TRL, one to the site's reference; grads compared after."""

    def __init__(self, values: torch.Tensor) -> None:
        self.trl = values.clone().requires_grad_(True)
        self.site = values.clone().requires_grad_(True)

    def grads_close(self, tol: float = TOL) -> None:
        assert self.trl.grad is not None and self.site.grad is not None
        torch.testing.assert_close(self.trl.grad, self.site.grad, atol=tol, rtol=0)


# ----------------------------------------------------------------------------------------------------------------
# Paired preference losses: DPOTrainer (sigmoid, hinge, IPO, robust, sigmoid_norm)
# ----------------------------------------------------------------------------------------------------------------


class PairProblem:
    """B preference pairs with ragged prompts / responses, per-token log-probs of policy and reference."""

    def __init__(self, seed: int, pairs: int = 6) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.examples = [
            {"prompt_ids": _ids(gen, 1, 4), "chosen_ids": _ids(gen, 1, 7), "rejected_ids": _ids(gen, 1, 7)}
            for _ in range(pairs)
        ]
        self.B = pairs
        # rows: all chosen responses, then all rejected ones (TRL's DataCollatorForPreference order)
        self.responses = [e["chosen_ids"] for e in self.examples] + [e["rejected_ids"] for e in self.examples]
        self.prompts = [e["prompt_ids"] for e in self.examples] * 2
        self.lengths = [len(r) for r in self.responses]
        width = max(self.lengths)
        self.mask = _mask(self.lengths, width)
        self.policy = Leaves(_logprobs(gen, 2 * pairs, width))
        self.ref = _logprobs(gen, 2 * pairs, width)

    def models(self) -> tuple[A.FusedLogProbModel, A.FusedLogProbModel]:
        policy, ref = A.FusedLogProbModel(), A.FusedLogProbModel()
        for i, (p, r) in enumerate(zip(self.prompts, self.responses)):
            policy.set(p + r, self.policy.trl[i, : len(r)])
            ref.set(p + r, self.ref[i, : len(r)])
        return policy, ref

    def trl_dpo(self, **config) -> torch.Tensor:
        loss, _ = A.dpo_loss(self.examples, *self.models(), **config)
        loss.backward()
        return loss

    def site_logps(self, average: bool = False) -> tuple[torch.Tensor, ...]:
        """(π chosen, π rejected, ref chosen, ref rejected): log π(y|x) = Σ_t mask_t log π(y_t|·), or the
        token average when ``average``."""
        lengths = self.mask.sum(-1) if average else torch.ones(2 * self.B, dtype=F64)
        pol = (self.policy.site * self.mask).sum(-1) / lengths
        ref = (self.ref * self.mask).sum(-1) / lengths
        return pol[: self.B], pol[self.B :], ref[: self.B], ref[self.B :]


def test_dpo_sigmoid() -> None:
    prob = PairProblem(seed=1)
    trl_value = prob.trl_dpo(beta=0.1, loss_type=["sigmoid"])
    site_value = dpo_loss(*prob.site_logps(), beta=0.1).mean()
    site_value.backward()
    _close(trl_value, site_value)
    prob.policy.grads_close()


def test_dpo_hinge() -> None:
    # SLiC's hinge on the DPO margin: max(0, 1 − β h); composed from q20's log_ratio_margin (no snippet function)
    prob = PairProblem(seed=2)
    beta = 0.5
    trl_value = prob.trl_dpo(beta=beta, loss_type=["hinge"])
    h = log_ratio_margin(*prob.site_logps())
    assert ((beta * h < 1).any() and (beta * h > 1).any()), "want pairs on both sides of the hinge"
    site_value = torch.relu(1 - beta * h).mean()
    site_value.backward()
    _close(trl_value, site_value)
    prob.policy.grads_close()


def test_dpo_robust() -> None:
    prob = PairProblem(seed=3)
    trl_value = prob.trl_dpo(beta=0.1, loss_type=["robust"], label_smoothing=0.2)
    site_value = robust_dpo_loss(*prob.site_logps(), beta=0.1, label_smoothing=0.2).mean()
    site_value.backward()
    _close(trl_value, site_value)
    prob.policy.grads_close()


def test_pin_ipo_is_length_normalised() -> None:
    """TRL's IPO divides each sequence log-ratio by its completion length (the paper sums over tokens)."""
    prob = PairProblem(seed=4)
    trl_value = prob.trl_dpo(beta=0.1, loss_type=["ipo"])
    site_trl_way = ipo_loss(*prob.site_logps(average=True), beta=0.1).mean()
    site_trl_way.backward()
    _close(trl_value, site_trl_way)
    prob.policy.grads_close()
    paper_way = ipo_loss(*prob.site_logps(average=False), beta=0.1).mean()
    _differs(trl_value, paper_way)


def test_dpo_sigmoid_norm_is_dpo_on_token_averages() -> None:
    """``loss_type="sigmoid_norm"`` (Q19's length-normalised DPO) = q14's dpo_loss on token-averaged log-probs."""
    prob = PairProblem(seed=5)
    trl_value = prob.trl_dpo(beta=0.1, loss_type=["sigmoid_norm"])
    site_value = dpo_loss(*prob.site_logps(average=True), beta=0.1).mean()
    site_value.backward()
    _close(trl_value, site_value)
    prob.policy.grads_close()


def test_pin_dpo_sigmoid_ignores_label_smoothing() -> None:
    """In TRL 1.16, ``label_smoothing`` enters only the robust, EXO and AOT losses: with ``loss_type="sigmoid"``
    it is ignored, so it does NOT give conservative DPO (cDPO). TRL's reference-free cDPO form is the experimental
    ``CPOTrainer`` (see test_cpo_sigmoid_is_reference_free_cdpo_plus_nll)."""
    prob = PairProblem(seed=6)
    trl_value = prob.trl_dpo(beta=0.1, loss_type=["sigmoid"], label_smoothing=0.2)
    site_value = dpo_loss(*prob.site_logps(), beta=0.1).mean()
    site_value.backward()
    _close(trl_value, site_value)
    prob.policy.grads_close()
    _differs(trl_value, conservative_dpo_loss(*prob.site_logps(), beta=0.1, label_smoothing=0.2).mean())


def test_dpo_through_a_real_fused_lm_head() -> None:
    """The stand-in model's contract, checked once against the real thing: a tiny Llama patched by TRL's
    ``add_fused_lm_head`` scored by DPOTrainer equals q14's ``sequence_logprob`` + ``dpo_loss`` on its logits.
    TRL's fused head computes log-probabilities in float32 (differences here are ~1e-8), still within TOL."""
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    gen = torch.Generator().manual_seed(7)
    vocab = 23
    examples = [
        {"prompt_ids": (torch.randint(2, vocab, (k,), generator=gen)).tolist(),
         "chosen_ids": (torch.randint(2, vocab, (m,), generator=gen)).tolist(),
         "rejected_ids": (torch.randint(2, vocab, (n,), generator=gen)).tolist()}
        for k, m, n in [(2, 3, 5), (3, 1, 2), (1, 4, 4)]
    ]
    policy = A.tiny_causal_lm(vocab, seed=0, outputs=A.DPO_HEAD)
    ref = A.tiny_causal_lm(vocab, seed=1, outputs=A.REF_HEAD).eval()
    loss, batch = A.dpo_loss(examples, policy, ref, beta=0.1)
    loss.backward()
    trl_grads = [p.grad.clone() for p in policy.parameters()]
    policy.zero_grad()

    batch = DataCollatorForPreference(pad_token_id=0)(examples)
    ids, attention, completion = batch["input_ids"], batch["attention_mask"], batch["completion_mask"]

    def seq_logp(model):
        logits = model(input_ids=ids, attention_mask=attention).logits
        return sequence_logprob(logits[:, :-1], ids[:, 1:], completion[:, 1:])

    with torch.no_grad():
        ref_logp = seq_logp(ref)
    pol_logp = seq_logp(policy)
    b = len(examples)
    site = dpo_loss(pol_logp[:b], pol_logp[b:], ref_logp[:b], ref_logp[b:], beta=0.1).mean()
    site.backward()
    _close(loss, site)
    for g_trl, p in zip(trl_grads, policy.parameters()):
        torch.testing.assert_close(g_trl, p.grad, atol=TOL, rtol=0)


# ----------------------------------------------------------------------------------------------------------------
# KTO
# ----------------------------------------------------------------------------------------------------------------


def test_kto() -> None:
    gen = torch.Generator().manual_seed(11)
    n = 7
    prompts = [_ids(gen, 1, 4) for _ in range(n)]
    completions = [_ids(gen, 1, 6) for _ in range(n)]
    labels = [True, False, True, True, False, False, True]
    # mismatched pairs for z_0: example i's prompt with example i−1's completion (TRL cycles completions by one)
    kl_completions = completions[-1:] + completions[:-1]
    examples = [
        {"prompt_ids": p, "completion_ids": c, "KL_completion_ids": k, "label": y}
        for p, c, k, y in zip(prompts, completions, kl_completions, labels)
    ]
    width = max(len(c) for c in completions)
    matched = Leaves(_logprobs(gen, n, width))
    mismatched = Leaves(_logprobs(gen, n, width))
    ref_matched, ref_mismatched = _logprobs(gen, n, width), _logprobs(gen, n, width)
    # make z_0 clearly positive so that the clamp at 0 does not hide the reference point
    ref_mismatched -= 0.5

    policy, ref = A.FusedLogProbModel(), A.FusedLogProbModel()
    for i in range(n):
        c, k = completions[i], kl_completions[i]
        policy.set(prompts[i] + c, matched.trl[i, : len(c)])
        ref.set(prompts[i] + c, ref_matched[i, : len(c)])
        policy.set(prompts[i] + k, mismatched.trl[i, : len(k)])
        ref.set(prompts[i] + k, ref_mismatched[i, : len(k)])
    config = {"beta": 0.1, "desirable_weight": 1.3, "undesirable_weight": 0.8}
    trl_value, _ = A.kto_loss(examples, policy, ref, **config)
    trl_value.backward()

    m = _mask([len(c) for c in completions], width)
    mk = _mask([len(k) for k in kl_completions], width)
    z0 = kto_reference_point((mismatched.site * mk).sum(-1), (ref_mismatched * mk).sum(-1))
    assert z0 > 0
    site_value = kto_loss(
        (matched.site * m).sum(-1), (ref_matched * m).sum(-1), torch.tensor(labels), z0,
        beta=0.1, lambda_d=1.3, lambda_u=0.8,
    ).mean()
    site_value.backward()
    _close(trl_value, site_value)
    matched.grads_close()
    # z_0 carries no gradient in either: the mismatched log-probs get none
    assert mismatched.trl.grad is None and mismatched.site.grad is None


# ----------------------------------------------------------------------------------------------------------------
# Reference-free pairwise losses: ORPO, SimPO and CPO (experimental trainers, logits in)
# ----------------------------------------------------------------------------------------------------------------


class LogitsPairProblem:
    """Preference pairs with per-position next-token logits (vocabulary V), laid out as ``pairwise_batch``."""

    def __init__(self, seed: int, pairs: int = 5, vocab: int = 11) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.examples = [
            {"prompt_ids": _ids(gen, 1, 4), "chosen_ids": _ids(gen, 1, 6), "rejected_ids": _ids(gen, 1, 6)}
            for _ in range(pairs)
        ]
        # token ids must index the vocabulary: remap to 2..vocab-1 (distinct sequences stay distinct by design)
        for e in self.examples:
            for key in e:
                e[key] = [2 + t % (vocab - 2) for t in e[key]]
        self.batch = A.pairwise_batch(self.examples)  # chosen and rejected rows padded to one width
        self.B, self.V = pairs, vocab
        both = lambda key: torch.cat([self.batch[f"chosen_{key}"], self.batch[f"rejected_{key}"]])  # noqa: E731
        self.ids, self.attention, self.labels = both("input_ids"), both("attention_mask"), both("labels")
        self.T = self.ids.shape[1]
        self.logits = Leaves(2.0 * torch.randn(2 * pairs, self.T, vocab, generator=gen, dtype=F64))

    def model(self) -> A.LogitsModel:
        model = A.LogitsModel()
        for i in range(2 * self.B):
            n = int(self.attention[i].sum())
            model.set(self.ids[i, :n].tolist(), self.logits.trl[i, :n])
        return model

    def site_response(self, average: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(chosen, rejected) summed or averaged response log-probs, and the response lengths (2B,)."""
        logits = self.logits.site[:, :-1]
        labels = self.labels[:, 1:]
        mask = (labels != -100).to(F64)
        fn = average_logprob if average else sequence_logprob
        lp = fn(logits, labels.clamp(min=0), mask)
        return lp[: self.B], lp[self.B :], mask.sum(-1)

    def site_chosen_nll(self, over: str) -> torch.Tensor:
        """Token-mean negative log-likelihood of the chosen sequences over the whole batch (one mean over all
        tokens, as ``nn.CrossEntropyLoss`` computes it): over the response tokens, or the prompt and response."""
        logits = self.logits.site[: self.B, :-1]
        target = self.ids[: self.B, 1:]
        if over == "response":
            mask = (self.labels[: self.B, 1:] != -100).to(F64)
        else:
            mask = self.attention[: self.B, 1:].to(F64)
        return -sequence_logprob(logits, target, mask).sum() / mask.sum()


def test_pin_orpo_nll_term_is_a_batch_token_mean_over_prompt_and_response() -> None:
    """ORPO = L_SFT + λ L_OR. TRL's odds-ratio term is q22's on length-normalised log-probs, but its SFT term is
    one token mean over every non-padding token of the chosen sequences — prompt tokens included — rather than
    the paper's per-response mean NLL of the chosen response (q22's ``orpo_loss``)."""
    prob = LogitsPairProblem(seed=21)
    lam = 0.1
    trl_value, _ = A.orpo_loss(prob.examples, prob.model(), beta=lam)
    trl_value.backward()
    chosen, rejected, _ = prob.site_response(average=True)
    odds_ratio_term = orpo_loss(chosen, rejected, lam) + chosen  # λ L_OR (orpo_loss = −chosen + λ L_OR)
    site_trl_way = prob.site_chosen_nll(over="prompt_and_response") + odds_ratio_term.mean()
    site_trl_way.backward()
    _close(trl_value, site_trl_way)  # TRL upcasts the log-odds to float32: still well inside 1e-6 here
    prob.logits.grads_close()
    _differs(trl_value, orpo_loss(chosen, rejected, lam).mean())


def test_simpo_via_cpo_trainer() -> None:
    """``CPOConfig(loss_type="simpo", cpo_alpha=0)`` is the paper's SimPO: q23's ``simpo_loss`` exactly."""
    prob = LogitsPairProblem(seed=22)
    beta, gamma = 2.0, 0.8
    trl_value, _ = A.cpo_loss(prob.examples, prob.model(), loss_type="simpo", beta=beta, simpo_gamma=gamma, cpo_alpha=0.0)
    trl_value.backward()
    chosen, rejected, lengths = prob.site_response(average=False)
    site_value = simpo_loss(chosen, rejected, lengths[: prob.B], lengths[prob.B :], beta=beta, gamma=gamma).mean()
    site_value.backward()
    _close(trl_value, site_value)
    prob.logits.grads_close()


def test_pin_cpo_simpo_default_adds_an_nll_term() -> None:
    """TRL's ``cpo_alpha`` defaults to 1.0, so ``loss_type="simpo"`` alone is CPO-SimPO: SimPO plus the chosen
    responses' NLL as one token mean over the batch. The paper's SimPO is ``cpo_alpha=0``."""
    prob = LogitsPairProblem(seed=23)
    trl_value, _ = A.cpo_loss(prob.examples, prob.model(), loss_type="simpo", beta=2.0, simpo_gamma=0.5)
    trl_value.backward()
    chosen, rejected, lengths = prob.site_response(average=False)
    simpo = simpo_loss(chosen, rejected, lengths[: prob.B], lengths[prob.B :], beta=2.0, gamma=0.5).mean()
    site_trl_way = simpo + 1.0 * prob.site_chosen_nll(over="response")
    site_trl_way.backward()
    _close(trl_value, site_trl_way)
    prob.logits.grads_close()
    _differs(trl_value, simpo)


def test_cpo_sigmoid_is_reference_free_cdpo_plus_nll() -> None:
    """CPO (``loss_type="sigmoid"``): q20's conservative DPO with the reference log-probs set to 0, plus
    ``cpo_alpha`` × the chosen NLL (batch token mean); with ``label_smoothing=0`` it is DPO without π_ref."""
    prob = LogitsPairProblem(seed=24)
    beta, eps, alpha = 0.1, 0.1, 0.7
    trl_value, _ = A.cpo_loss(
        prob.examples, prob.model(), loss_type="sigmoid", beta=beta, label_smoothing=eps, cpo_alpha=alpha
    )
    trl_value.backward()
    chosen, rejected, _ = prob.site_response(average=False)
    zero = torch.zeros_like(chosen)
    site_value = conservative_dpo_loss(chosen, rejected, zero, zero, beta=beta, label_smoothing=eps).mean()
    site_value = site_value + alpha * prob.site_chosen_nll(over="response")
    site_value.backward()
    _close(trl_value, site_value)
    prob.logits.grads_close()
    assert torch.allclose(
        conservative_dpo_loss(chosen, rejected, zero, zero, beta, 0.0), dpo_loss(chosen, rejected, zero, zero, beta)
    )


# ----------------------------------------------------------------------------------------------------------------
# Reward model
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_margin", [False, True])
@pytest.mark.parametrize("centre", [None, 0.01])
def test_reward_model_loss(with_margin: bool, centre: float | None) -> None:
    """RewardTrainer: −log σ(r_w − r_l − m) averaged over pairs (q04's ``reward_model_loss``), plus
    ``center_rewards_coefficient`` · mean((r_w + r_l)²) (Eisenstein et al. 2023; no snippet function, composed)."""
    gen = torch.Generator().manual_seed(31)
    b = 6
    examples = [{"chosen_ids": _ids(gen, 1, 6), "rejected_ids": _ids(gen, 1, 6)} for _ in range(b)]
    margins = (torch.rand(b, generator=gen) * 2).float().to(F64)  # TRL's collator builds a float32 margin tensor
    if with_margin:
        for e, m in zip(examples, margins):
            e["margin"] = float(m)
    scores = Leaves(3.0 * torch.randn(2 * b, generator=gen, dtype=F64))
    model = A.LogitsModel()
    for i, e in enumerate(examples):
        model.set(e["chosen_ids"], scores.trl[i])
        model.set(e["rejected_ids"], scores.trl[b + i])
    trl_value, _ = A.reward_loss(examples, model, center_rewards_coefficient=centre)
    trl_value.backward()
    r_w, r_l = scores.site[:b], scores.site[b:]
    site_value = reward_model_loss(r_w, r_l, margins if with_margin else None).mean()
    if centre is not None:
        site_value = site_value + centre * ((r_w + r_l) ** 2).mean()
    site_value.backward()
    _close(trl_value, site_value)
    scores.grads_close()


# ----------------------------------------------------------------------------------------------------------------
# SFT
# ----------------------------------------------------------------------------------------------------------------

SFT_TOL = TOL  # TRL's fused LM head computes log-probs in float32: differences are ~1e-7, inside TOL


def _sft_batch(gen: torch.Generator, rows: int, width: int, vocab: int) -> dict[str, torch.Tensor]:
    ids = torch.randint(2, vocab, (rows, width), generator=gen)
    attention = torch.zeros(rows, width, dtype=torch.long)
    labels = torch.full((rows, width), -100)
    for i in range(rows):
        n = int(torch.randint(3, width + 1, (1,), generator=gen))
        p = int(torch.randint(1, n - 1, (1,), generator=gen))  # prompt tokens (not trained on)
        attention[i, :n] = 1
        labels[i, p:n] = ids[i, p:n]
    ids = ids * attention
    return {"input_ids": ids, "attention_mask": attention, "labels": labels}


def _site_sft(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """(summed response NLL, response token count) from the model's ordinary logits, q14's sequence_logprob."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    labels = batch["labels"][:, 1:]
    mask = (labels != -100).to(F64)
    return -sequence_logprob(logits[:, :-1], labels.clamp(min=0), mask).sum(), mask.sum()


def test_sft_masked_token_cross_entropy() -> None:
    """SFTTrainer's loss: the mean NLL over response tokens (labels ≠ −100) of the batch — q14's
    ``sequence_logprob`` summed over rows over the token count, and plain ``F.cross_entropy``."""
    gen = torch.Generator().manual_seed(41)
    vocab = 23
    model = A.tiny_causal_lm(vocab)
    batch = _sft_batch(gen, rows=4, width=9, vocab=vocab)
    trl_value = A.sft_loss(model, batch)
    trl_value.backward()
    trl_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    nll_sum, tokens = _site_sft(model, batch)
    site_value = nll_sum / tokens
    site_value.backward()
    _close(trl_value, site_value, SFT_TOL)
    for g_trl, p in zip(trl_grads, model.parameters()):
        torch.testing.assert_close(g_trl, p.grad, atol=SFT_TOL, rtol=0)
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        plain = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), batch["labels"][:, 1:].reshape(-1), ignore_index=-100)
    _close(trl_value, plain, SFT_TOL)


def test_sft_accumulation_divides_by_the_global_token_count() -> None:
    """With ``num_items_in_batch`` (the tokens of the whole accumulated batch, as transformers passes it),
    the micro-batch losses sum to the full-batch token mean — q66's ``global_token_mean``, not its
    ``mean_of_means``."""
    gen = torch.Generator().manual_seed(42)
    vocab = 23
    model = A.tiny_causal_lm(vocab)
    micro = [_sft_batch(gen, rows=2, width=8, vocab=vocab) for _ in range(2)]
    total = sum(int((m["labels"][:, 1:] != -100).sum()) for m in micro)
    with torch.no_grad():
        trl_parts = torch.stack([A.sft_loss(model, m, num_items_in_batch=torch.tensor(total)) for m in micro])
        nll = []
        masks = []
        for m in micro:
            logits = model(input_ids=m["input_ids"], attention_mask=m["attention_mask"]).logits[:, :-1]
            labels = m["labels"][:, 1:]
            flat = F.cross_entropy(logits.reshape(-1, vocab), labels.clamp(min=0).reshape(-1), reduction="none")
            nll.append(flat.view_as(labels))
            masks.append((labels != -100).to(F64))
    nll, masks = torch.stack(nll), torch.stack(masks)
    _close(trl_parts, microbatch_losses(nll, masks, "global_token_mean"), SFT_TOL)
    _differs(trl_parts.sum(), microbatch_losses(nll, masks, "mean_of_means").sum(), by=1e-4)


# ----------------------------------------------------------------------------------------------------------------
# GRPO family: GRPOTrainer's generate-and-score (advantages) and loss
# ----------------------------------------------------------------------------------------------------------------


class Rollout:
    """N prompts × G completions (ragged), rewards, and per-token log-probs of the policy now (L), at sampling
    time (O, a different policy: the ratio ρ = e^{L−O} spreads beyond the clip range) and of the reference (R)."""

    def __init__(self, seed: int, prompts: int = 3, group: int = 4, max_len: int = 7, truncated: bool = False,
                 tied_group: bool = False) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.N, self.G, self.B = prompts, group, prompts * group
        prompt_list = [_ids(gen, 1, 4) for _ in range(prompts)]
        self.prompt_ids = [prompt_list[i // group] for i in range(self.B)]
        self.completion_ids = []
        self.truncated = torch.zeros(self.B, dtype=torch.bool)
        for i in range(self.B):
            c = _ids(gen, 1, max_len - 1)
            if truncated and i % 3 == 1:
                self.truncated[i] = True  # hit the length limit: no EOS at the end
            else:
                c = c + [EOS]
            self.completion_ids.append(c)
        self.lengths = [len(c) for c in self.completion_ids]
        self.C = max(self.lengths)
        self.mask = _mask(self.lengths, self.C)
        # rewards exactly representable in float32 (TRL casts each reward function's output to float32)
        self.rewards = torch.randn(self.B, generator=gen).float().to(F64)
        if tied_group:
            self.rewards[:group] = 0.5  # a group whose rewards are all equal: advantage 0, no NaN
        self.L = Leaves(_logprobs(gen, self.B, self.C))
        self.O = self.L.trl.detach() + 0.35 * torch.randn(self.B, self.C, generator=gen, dtype=F64)
        self.R = _logprobs(gen, self.B, self.C)

    def reward_func(self, values: torch.Tensor | None = None):
        values = self.rewards if values is None else values
        return lambda completions, **kwargs: [float(v) for v in values]

    def set(self, model: A.FusedLogProbModel, values: torch.Tensor) -> None:
        for i in range(self.B):
            model.set(self.prompt_ids[i] + self.completion_ids[i], values[i, : self.lengths[i]])

    def run(self, trainer: str = "grpo", off_policy: bool = True, reward_funcs=None, **config):
        """TRL's rollout (advantages, masks, sampling-time and reference log-probs) and loss (backpropagated)."""
        from trl import GRPOConfig, GRPOTrainer, RLOOConfig, RLOOTrainer

        classes = (GRPOTrainer, GRPOConfig) if trainer == "grpo" else (RLOOTrainer, RLOOConfig)
        config.setdefault("per_device_train_batch_size", self.B)
        config.setdefault("num_generations", self.G)
        if trainer == "grpo":
            # num_iterations = 2: TRL stores the sampling policy's log-probs and reuses the batch, so ρ ≠ 1
            config.setdefault("num_iterations", 2 if off_policy else 1)
        run = A.OnPolicyRun(*classes, eos_token_id=EOS, **config)
        self.set(run.policy, self.O if off_policy else self.L.trl.detach())
        self.set(run.ref, self.R)
        batch = run.rollout(self.prompt_ids, self.completion_ids, reward_funcs or [self.reward_func()])
        self.set(run.policy, self.L.trl)  # the policy after an update: current log-probs, with gradient
        loss = run.loss(batch)
        loss.backward()
        return run, batch, loss

    def clipped_somewhere(self, eps_low: float, eps_high: float) -> bool:
        ratio = torch.exp(self.L.site.detach() - self.O)[self.mask.bool()]
        return bool((ratio < 1 - eps_low).any() and (ratio > 1 + eps_high).any())


GRPO_CASES = {
    # name: (TRL GRPOConfig fields, site reference)
    "grpo": (
        {"loss_type": "grpo", "beta": 0.04, "epsilon": 0.2, "use_bias_correction_kl": False},
        lambda r, adv: grpo_loss(r.L.site, r.O, r.R, adv, r.mask, 0.2, None, 0.04, "sequence_mean"),
    ),
    "grpo_clip_higher": (
        {"loss_type": "grpo", "beta": 0.04, "epsilon": 0.2, "epsilon_high": 0.28, "use_bias_correction_kl": False},
        lambda r, adv: grpo_loss(r.L.site, r.O, r.R, adv, r.mask, 0.2, 0.28, 0.04, "sequence_mean"),
    ),
    "bnpo": (
        {"loss_type": "bnpo", "beta": 0.04, "epsilon": 0.2, "use_bias_correction_kl": False},
        lambda r, adv: grpo_loss(r.L.site, r.O, r.R, adv, r.mask, 0.2, None, 0.04, "token_mean"),
    ),
    "dapo": (
        {"loss_type": "dapo", "beta": 0.0, "epsilon": 0.2, "epsilon_high": 0.28},
        lambda r, adv: dapo_loss(r.L.site, r.O, adv, r.mask, 0.2, 0.28),
    ),
    "dr_grpo": (
        {"loss_type": "dr_grpo", "beta": 0.0, "epsilon": 0.2, "scale_rewards": "none", "max_completion_length": 9},
        lambda r, adv: dr_grpo_loss(r.L.site, r.O, r.rewards.view(r.N, r.G), r.mask, max_tokens=9, eps=0.2),
    ),
}


@pytest.mark.parametrize("case", list(GRPO_CASES))
def test_grpo_family(case: str) -> None:
    config, reference = GRPO_CASES[case]
    rollout = Rollout(seed=50 + list(GRPO_CASES).index(case), tied_group=True)
    _, batch, trl_value = rollout.run(**config)
    adv = group_advantages(rollout.rewards.view(rollout.N, rollout.G), scale_by_std=case != "dr_grpo").reshape(-1)
    _close(batch["advantages"], adv)
    assert rollout.clipped_somewhere(0.2, config.get("epsilon_high", 0.2)), "want ratios beyond both clip bounds"
    site_value = reference(rollout, adv)
    site_value.backward()
    _close(trl_value, site_value)
    rollout.L.grads_close()


@pytest.mark.parametrize("scale", ["group", "batch", "none"])
def test_grpo_advantages(scale: str) -> None:
    """``scale_rewards``: "group" = q12's ``group_advantages`` (sample std, ε = 1e-4), "none" = its
    ``scale_by_std=False`` (Dr. GRPO), "batch" = group-centred rewards over the std of the whole batch
    (composed: q12 has no batch option)."""
    rollout = Rollout(seed=60, prompts=4, tied_group=True)
    _, batch, _ = rollout.run(off_policy=False, scale_rewards=scale)
    grouped = rollout.rewards.view(rollout.N, rollout.G)
    if scale == "group":
        site = group_advantages(grouped)
    elif scale == "none":
        site = group_advantages(grouped, scale_by_std=False)
    else:
        site = group_advantages(grouped, scale_by_std=False) / (rollout.rewards.std() + 1e-4)
    _close(batch["advantages"], site.reshape(-1))
    assert (batch["advantages"][: rollout.G] == 0).all()  # the tied group: zero advantage, not NaN


def test_pin_grpo_std_is_the_sample_std() -> None:
    """TRL divides by the unbiased (n − 1) group std, as q12 does; the population std would give
    advantages larger by √(G/(G−1)) at ε → 0."""
    rollout = Rollout(seed=61, group=3)
    _, batch, _ = rollout.run(off_policy=False)
    grouped = rollout.rewards.view(rollout.N, rollout.G)
    _close(batch["advantages"], group_advantages(grouped).reshape(-1))
    centred = grouped - grouped.mean(1, keepdim=True)
    population = centred / (grouped.std(1, correction=0, keepdim=True) + 1e-4)
    _differs(batch["advantages"], population.reshape(-1))


def test_pin_grpo_defaults_are_dapo_not_deepseekmath() -> None:
    """TRL's GRPOConfig defaults (``loss_type="dapo"``, ``beta=0.0``, ``epsilon_high=None``) give DAPO's
    token-mean loss with symmetric clipping and no KL — not DeepSeekMath's GRPO (sequence mean, β = 0.04)."""
    from trl import GRPOConfig

    defaults = A.make_config(GRPOConfig)
    assert (defaults.loss_type, defaults.beta, defaults.epsilon, defaults.epsilon_high) == ("dapo", 0.0, 0.2, None)
    assert defaults.scale_rewards == "group"
    rollout = Rollout(seed=62)
    _, batch, trl_value = rollout.run()  # every loss field at its default
    adv = group_advantages(rollout.rewards.view(rollout.N, rollout.G)).reshape(-1)
    site_value = dapo_loss(rollout.L.site, rollout.O, adv, rollout.mask, 0.2, 0.2)
    site_value.backward()
    _close(trl_value, site_value)
    rollout.L.grads_close()
    paper = grpo_loss(rollout.L.site.detach(), rollout.O, rollout.R, adv, rollout.mask, 0.2, None, 0.04, "sequence_mean")
    _differs(trl_value, paper)


def test_pin_grpo_kl_is_importance_weighted_by_default() -> None:
    """``use_bias_correction_kl=True`` (the default) multiplies the k3 KL of each token by the ratio ρ
    (DeepSeek-V3.2): off-policy the value changes, and even on-policy (ρ = 1) the gradient does, by
    β·k3·∇log π per token. DeepSeekMath's k3 term is ``use_bias_correction_kl=False`` (test_grpo_family)."""
    beta = 0.04
    # off-policy: value and gradient equal the site's pieces composed with the ratio weight
    rollout = Rollout(seed=63)
    _, batch, trl_value = rollout.run(loss_type="grpo", beta=beta)
    adv = group_advantages(rollout.rewards.view(rollout.N, rollout.G)).reshape(-1)
    r = rollout
    ratio = torch.exp(r.L.site - r.O)
    per_token = clipped_surrogate(r.L.site, r.O, adv[:, None], 0.2) - beta * kl_estimate(r.L.site, r.R, "k3") * ratio
    site_trl_way = -aggregate(per_token, r.mask, "sequence_mean")
    site_trl_way.backward()
    _close(trl_value, site_trl_way)
    r.L.grads_close()
    _differs(trl_value, grpo_loss(r.L.site.detach(), r.O, r.R, adv, r.mask, 0.2, None, beta, "sequence_mean"), by=1e-5)
    # on-policy: same value as DeepSeekMath's loss, different gradient
    on = Rollout(seed=64)
    _, batch, trl_on = on.run(off_policy=False, loss_type="grpo", beta=beta)
    adv = group_advantages(on.rewards.view(on.N, on.G)).reshape(-1)
    paper = grpo_loss(on.L.site, on.L.site.detach(), on.R, adv, on.mask, 0.2, None, beta, "sequence_mean")
    paper.backward()
    _close(trl_on, paper)
    _differs(on.L.trl.grad, on.L.site.grad, by=1e-5)


def test_dapo_overlong_filtering_and_soft_punishment() -> None:
    """DAPO end to end: ``mask_truncated_completions=True`` = q49's ``overlong_filter``; TRL's
    ``get_soft_overlong_punishment`` as a reward function = q49's ``soft_overlong_punishment``; the loss is
    q49's ``dapo_loss`` on the filtered mask."""
    from trl.rewards import get_soft_overlong_punishment

    max_len, cache = 8, 4
    rollout = Rollout(seed=65, max_len=max_len, truncated=True)
    correct = (rollout.rewards > 0).to(F64) * 2 - 1  # ±1 correctness
    punish = get_soft_overlong_punishment(max_completion_len=max_len, soft_punish_cache=cache)
    funcs = [rollout.reward_func(correct), punish]
    _, batch, trl_value = rollout.run(reward_funcs=funcs, loss_type="dapo", beta=0.0, epsilon_high=0.28,
                                      mask_truncated_completions=True, max_completion_length=max_len)
    lengths = torch.tensor(rollout.lengths)
    shaped = correct + soft_overlong_punishment(lengths, max_len=max_len, cache=cache)
    assert (soft_overlong_punishment(lengths, max_len=max_len, cache=cache) < 0).any()
    adv = group_advantages(shaped.view(rollout.N, rollout.G)).reshape(-1)
    _close(batch["advantages"], adv)
    mask = overlong_filter(rollout.mask, rollout.truncated)
    _close(batch["completion_mask"].to(F64), mask)
    site_value = dapo_loss(rollout.L.site, rollout.O, adv, mask, 0.2, 0.28)
    site_value.backward()
    _close(trl_value, site_value)
    rollout.L.grads_close()


def test_pin_dapo_normalises_by_the_generation_batch_and_bnpo_by_the_micro_batch() -> None:
    """With gradient accumulation (two micro-batches per generation batch), TRL's ``"dapo"`` divides every
    micro-batch by the token count of the whole generation batch, so the accumulated loss is q12's
    ``token_mean`` over all rows; ``"bnpo"`` takes a token mean per micro-batch and averages the two."""
    results = {}
    for loss_type in ("dapo", "bnpo"):
        rollout = Rollout(seed=66, prompts=4)
        run = A.OnPolicyRun(*_grpo_classes(), eos_token_id=EOS, per_device_train_batch_size=rollout.B // 2,
                            num_generations=rollout.G, gradient_accumulation_steps=2, loss_type=loss_type, beta=0.0)
        assert run.args.steps_per_generation == 2
        rollout.set(run.policy, rollout.L.trl.detach())
        rollout.set(run.ref, rollout.R)
        run.prepare(rollout.prompt_ids, rollout.completion_ids, [rollout.reward_func()])
        rollout.set(run.policy, rollout.L.trl)  # generation needs no log-probs here: on-policy, one iteration
        parts, rows = [], []
        for step in range(2):
            micro = run.prepare_inputs(step)  # generates, shuffles and splits the batch at step 0
            keys = [tuple(c[m.bool()].tolist()) for c, m in zip(micro["completion_ids"], micro["completion_mask"])]
            rows.append([[tuple(c) for c in rollout.completion_ids].index(k) for k in keys])
            parts.append(run.loss(micro))
        results[loss_type] = (torch.stack(parts), rows, rollout)
        torch.stack(parts).sum().backward()
    adv = lambda r: group_advantages(r.rewards.view(r.N, r.G)).reshape(-1)  # noqa: E731
    parts, rows, r = results["dapo"]
    whole = dapo_loss(r.L.site, r.L.site.detach(), adv(r), r.mask, 0.2, 0.2)
    whole.backward()
    _close(parts.sum(), whole)
    r.L.grads_close()
    parts, rows, r = results["bnpo"]
    local = [grpo_loss(r.L.site[i], r.L.site.detach()[i], r.R[i], adv(r)[i], r.mask[i], 0.2, None, 0.0, "token_mean")
             for i in map(torch.tensor, rows)]
    _close(parts, torch.stack(local) / 2)
    _differs(parts.sum(), dapo_loss(r.L.site.detach(), r.L.site.detach(), adv(r), r.mask, 0.2, 0.2), by=1e-5)


def _grpo_classes():
    from trl import GRPOConfig, GRPOTrainer

    return GRPOTrainer, GRPOConfig


# ----------------------------------------------------------------------------------------------------------------
# RLOO
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.05])
def test_rloo_advantages_and_gradient(beta: float) -> None:
    """RLOOTrainer's advantages = q51's ``rloo_advantages`` of the rewards minus β × the summed per-token
    log-ratio (k1, q12's ``kl_estimate``) of the sampling policy; its loss has the gradient of q51's
    ``rloo_loss`` (on-policy the clipped ratio is 1)."""
    rollout = Rollout(seed=70 + int(beta * 100), prompts=3, group=4)
    _, batch, trl_value = rollout.run(trainer="rloo", off_policy=False, beta=beta)
    r = rollout
    kl = (kl_estimate(r.L.site.detach(), r.R, "k1") * r.mask).sum(-1)
    shaped = (r.rewards - beta * kl).view(r.N, r.G)
    adv = rloo_advantages(shaped)
    _close(batch["advantages"], adv.reshape(-1))
    site_value = rloo_loss((r.L.site * r.mask).sum(-1).view(r.N, r.G), shaped)
    site_value.backward()
    r.L.grads_close()
    # the values differ by a constant: TRL's clipped surrogate is −mean(ρ A) with ρ = 1, i.e. −mean(A) = 0
    _close(trl_value, -adv.mean())


# ----------------------------------------------------------------------------------------------------------------
# Reward shaping functions (trl.rewards)
# ----------------------------------------------------------------------------------------------------------------


def test_soft_overlong_punishment() -> None:
    from trl.rewards import get_soft_overlong_punishment

    for max_len, cache in [(100, 20), (20480, 4096), (12, 12)]:
        lengths = torch.tensor(sorted({0, 1, max_len - cache - 1, max_len - cache, max_len - cache + 1,
                                       max_len - 1, max_len, max_len + 1, max_len + 50}))
        punish = get_soft_overlong_punishment(max_len, cache)
        trl_values = torch.tensor(punish([[7] * int(n) for n in lengths]), dtype=F64)
        _close(trl_values, soft_overlong_punishment(lengths, max_len=max_len, cache=cache), 0.0)
        _close(trl_values, soft_overlong_punishment(lengths, max_len=max_len, cache=cache), 0.0)


def test_dapo_reward_matches_trl_shaping() -> None:
    """q76's ``dapo_reward`` (±1 + soft punishment at DAPO's L_max = 20480, L_cache = 4096) = a ±1 correctness
    reward plus ``get_soft_overlong_punishment(20480, 4096)``, as TRL users combine them."""
    from trl.rewards import get_soft_overlong_punishment

    lengths = torch.tensor([100, 16384, 16385, 18000, 20480, 20481])
    correct = torch.tensor([True, False, True, False, True, False])
    punish = get_soft_overlong_punishment(20480, 4096)([[3] * int(n) for n in lengths])
    trl_values = torch.where(correct, 1.0, -1.0).to(F64) + torch.tensor(punish, dtype=F64)
    _close(trl_values, dapo_reward(correct, lengths), 0.0)


def test_repetition_penalty() -> None:
    from trl.rewards import get_repetition_penalty_reward

    gen = torch.Generator().manual_seed(80)
    seqs = [torch.randint(2, 5, (int(n),), generator=gen) for n in [0, 1, 2, 3, 5, 9, 17]] + [torch.full((6,), 3)]
    for n, p in itertools.product([1, 2, 3], [-1.0, -0.5]):
        trl_values = torch.tensor(get_repetition_penalty_reward(n, p)([s.tolist() for s in seqs]), dtype=F64)
        _close(trl_values, repetition_penalty(seqs, n=n, max_penalty=p), 1e-12)


# ----------------------------------------------------------------------------------------------------------------
# docs/includes/trl.yml `verified:` names only losses that a test above checks
# ----------------------------------------------------------------------------------------------------------------

COVERS = {
    "reward_bradley_terry": test_reward_model_loss,
    "reward_margin": test_reward_model_loss,
    "reward_centring": test_reward_model_loss,
    "grpo": test_grpo_family,
    "grpo_clip_higher": test_grpo_family,
    "bnpo": test_grpo_family,
    "group_advantages": test_grpo_advantages,
    "dpo_sigmoid": test_dpo_sigmoid,
    "dpo_sigmoid_norm": test_dpo_sigmoid_norm_is_dpo_on_token_averages,
    "ipo": test_pin_ipo_is_length_normalised,
    "dpo_hinge": test_dpo_hinge,
    "robust_dpo": test_dpo_robust,
    "kto": test_kto,
    "orpo": test_pin_orpo_nll_term_is_a_batch_token_mean_over_prompt_and_response,
    "simpo": test_simpo_via_cpo_trainer,
    "cpo": test_cpo_sigmoid_is_reference_free_cdpo_plus_nll,
    "soft_overlong_punishment": test_soft_overlong_punishment,
    "repetition_penalty": test_repetition_penalty,
    "dapo": test_grpo_family,
    "overlong_filtering": test_dapo_overlong_filtering_and_soft_punishment,
    "dr_grpo": test_grpo_family,
    "rloo_advantages": test_rloo_advantages_and_gradient,
    "rloo_gradient": test_rloo_advantages_and_gradient,
    "sft_token_mean": test_sft_masked_token_cross_entropy,
    "sft_global_token_normaliser": test_sft_accumulation_divides_by_the_global_token_count,
    "dapo_reward": test_dapo_reward_matches_trl_shaping,
}


def _trl_yml() -> dict:
    import yaml

    return yaml.safe_load((Path(__file__).resolve().parents[1] / "docs/includes/trl.yml").read_text(encoding="utf-8"))


def test_verified_losses_are_covered() -> None:
    data = _trl_yml()
    assert data["version"] == A.TRL_VERSION == trl.__version__
    for page, entry in data["verified"].items():
        missing = set(entry["losses"]) - set(COVERS)
        assert not missing, f"trl.yml verified q{page}: no oracle test for {sorted(missing)}"
        assert float(entry["tol"]) >= 0.0
    assert set(COVERS) == {loss for entry in data["verified"].values() for loss in entry["losses"]}


def test_departures_name_their_pin_tests() -> None:
    for page, entries in _trl_yml()["departures"].items():
        for entry in entries:
            assert entry["test"] in globals() and entry["test"].startswith("test_"), (page, entry["test"])
            assert entry["note"].strip(), (page, entry)
