"""Run Hugging Face TRL's own loss code on tensors a test chooses (used by ``tests/test_trl_oracle.py``).

TRL (pinned to 1.16.0 by the ``trl`` extra and ``constraints-trl.txt``) computes its losses inside trainer
methods that expect a fully built trainer: a model, a tokenizer, a data set, an accelerator. Building one per
test needs downloaded weights and takes seconds, so this module builds a *bare* trainer instead and calls
TRL's real methods on it. Nothing here re-implements a TRL formula:

- the trainer is ``object.__new__(TrainerClass)``: its ``__init__`` does not run;
- every attribute the loss code reads from ``self`` that TRL derives from its config is set by executing
  TRL's own ``self.<name> = ...`` statement, parsed out of the installed ``TrainerClass.__init__`` source
  (:func:`_run_init_assignments`). If TRL renames an attribute or changes how it derives it, the adapter
  follows, or fails loudly when the statement is gone or is assigned in more than one place;
- the few attributes that ``transformers.Trainer.__init__``, the training loop or model-specific code
  would set are fixed below, each with its reason: one CPU process (a real ``accelerate.Accelerator``),
  no gradient accumulation unless a test asks for it, no MoE auxiliary loss, no vLLM;
- the policy and reference models are stand-ins that return the per-token log-probabilities (or logits,
  or rewards) the test chose, row by row, under the contract of TRL's fused LM head
  (``trl.trainer.utils.FusedCausalLMOutput``: "every per-token field is zero where the label is -100").
  A row is matched by its real (unpadded) tokens, so TRL's own padding, batching, shuffling and splitting
  of rows cannot misalign the values. Generation (``_generate``) is the one trainer method replaced, by a
  function returning the completions the test chose; reward functions are ordinary Python callables, as a
  user would pass them.

Batches are built with TRL's own data collators where the trainer has one (DPO, KTO, reward model); the
experimental CPO / ORPO trainers get the per-pair tensors their tokenizer step produces (:func:`pairwise_batch`).
The SFT loss, and one DPO check of the stand-in's contract, run a real (tiny, randomly initialised)
``transformers`` causal LM patched with TRL's ``add_fused_lm_head``, since the cross-entropy happens inside it.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn

import trl  # noqa: F401  (fail early, with the real error, if TRL is not importable)
from trl.trainer.utils import FusedCausalLMOutput

TRL_VERSION = "1.16.0"

# Config fields that only make a CPU test run possible; they do not enter any loss.
_CPU_ONLY = {"use_cpu": True, "bf16": False, "report_to": "none"}


@functools.cache
def _output_dir() -> str:
    return tempfile.mkdtemp(prefix="trl-oracle-")


def accelerator():
    """A real ``accelerate.Accelerator`` on the CPU (one process): gather / reduce are the identity.

    Made afresh for each trainer: building a config (``TrainingArguments``) resets accelerate's shared state.
    """
    from accelerate import Accelerator

    return Accelerator(cpu=True)


def make_config(config_cls: type, **fields: Any):
    """A real TRL config (its ``__post_init__`` runs: defaults, validation, normalisation such as
    ``scale_rewards=False → "none"``), with the CPU-only fields above."""
    return config_cls(output_dir=_output_dir(), **_CPU_ONLY, **fields)


def _init_statements(trainer_cls: type) -> dict[str, list[ast.stmt]]:
    """Every ``self.<name> = ...`` statement of ``trainer_cls.__init__``, by attribute name, in source order."""
    source = textwrap.dedent(inspect.getsource(trainer_cls.__init__))
    found: dict[str, list[ast.stmt]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                found.setdefault(target.attr, []).append(node)
    return found


def _run_init_assignments(trainer: Any, trainer_cls: type, args: Any, names: Iterable[str]) -> None:
    """Execute TRL's own ``self.<name> = <expr>`` statements from ``trainer_cls.__init__``, in source order.

    Each name must be assigned exactly once in ``__init__``; the statement runs with ``self`` = the bare
    trainer, ``args`` = the config, and the trainer module's globals (``defaultdict``, ``deque``, ``torch``...).
    """
    statements = _init_statements(trainer_cls)
    chosen = []
    for name in names:
        nodes = statements.get(name, [])
        if len(nodes) != 1:
            raise RuntimeError(
                f"{trainer_cls.__name__}.__init__ assigns self.{name} {len(nodes)} times; "
                "the adapter needs exactly one statement to copy (TRL changed: update tests/trl_adapter.py)"
            )
        chosen.append(nodes[0])
    namespace = dict(vars(sys.modules[trainer_cls.__module__]))
    namespace.update(self=trainer, args=args)
    filename = inspect.getsourcefile(trainer_cls)
    for node in sorted(chosen, key=lambda n: n.lineno):
        exec(compile(ast.Module(body=[node], type_ignores=[]), filename, "exec"), namespace)  # noqa: S102


def bare_trainer(trainer_cls: type, args: Any, model: nn.Module, init_names: Iterable[str], **fixed: Any):
    """``object.__new__(trainer_cls)`` with the attributes its loss code reads.

    ``init_names`` are set by TRL's own ``__init__`` statements (see :func:`_run_init_assignments`);
    ``fixed`` are set directly (attributes whose ``__init__`` statement depends on a real model or tokenizer).
    """
    from transformers import TrainerState

    trainer = object.__new__(trainer_cls)
    trainer.args = args
    trainer.model = model
    trainer.accelerator = accelerator()
    trainer.state = TrainerState()  # read by TRL's profiling decorator (global_step)
    trainer.is_deepspeed_enabled = False  # set by transformers.Trainer.__init__
    trainer.current_gradient_accumulation_steps = args.gradient_accumulation_steps  # set by the training loop
    trainer.aux_loss_enabled = False  # a dense (non-MoE) model: no router auxiliary loss
    trainer._tp_size = 1  # no tensor parallelism
    _run_init_assignments(trainer, trainer_cls, args, init_names)
    for name, value in fixed.items():
        setattr(trainer, name, value)
    return trainer


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype):
    """Run TRL code that allocates with the default dtype (e.g. GRPO's reward matrix) in ``dtype``."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


# --------------------------------------------------------------------------------------------------------------
# Stand-in models
# --------------------------------------------------------------------------------------------------------------


class _SequenceTable(nn.Module):
    """Values registered per sequence of real tokens (prompt + completion, no padding).

    A row of a batch is matched by its tokens where ``attention_mask`` is 1, so TRL's own padding (left or
    right), batching, shuffling and splitting of rows cannot misalign the values.
    """

    is_gradient_checkpointing = False  # read by trl.models.utils.disable_gradient_checkpointing

    def __init__(self) -> None:
        super().__init__()
        self.table: dict[tuple[int, ...], torch.Tensor] = {}

    def set(self, tokens: Sequence[int], value: torch.Tensor) -> None:
        self.table[tuple(int(t) for t in tokens)] = value

    @staticmethod
    def _real_tokens(row: torch.Tensor, attention_row: torch.Tensor | None) -> tuple[int, ...]:
        real = row if attention_row is None else row[attention_row.bool()]
        return tuple(int(t) for t in real.tolist())


class FusedLogProbModel(_SequenceTable):
    """Stand-in for a causal LM patched by ``trl.trainer.utils.add_fused_lm_head``, called with
    ``fused_lm_head=True`` as every TRL 1.16 preference / RL trainer calls it.

    ``set(prompt + completion tokens, log_probs)`` gives log π(y_t | x, y_<t) for the completion tokens, in
    order. On a call, each row's scored positions are those whose shifted label is not −100; they receive the
    registered values, every other position 0 — the ``FusedCausalLMOutput`` contract ("every per-token field is
    zero where the label is -100"). Entropy, mean logits and top-1 flags, used only for logging, are zero.
    """

    def forward(self, input_ids=None, attention_mask=None, labels=None, fused_lm_head=False, **kwargs):
        if not fused_lm_head or labels is None:
            raise RuntimeError("the stand-in only answers fused-LM-head calls with labels, as TRL 1.16 makes them")
        scored = labels[:, 1:] != -100
        rows = []
        for i, row in enumerate(input_ids):
            out = torch.zeros(row.shape[0] - 1, dtype=torch.float64)
            positions = scored[i].nonzero().flatten()
            if len(positions):
                values = self.table[self._real_tokens(row, None if attention_mask is None else attention_mask[i])]
                if values.shape != positions.shape:
                    raise ValueError(f"row {i}: {len(positions)} scored tokens but {tuple(values.shape)} log-probs")
                out = out.index_put((positions,), values)
            rows.append(out)
        log_probs = torch.stack(rows)
        zeros = torch.zeros_like(log_probs).detach()
        return FusedCausalLMOutput(
            loss=-log_probs.sum() / scored.sum().clamp(min=1),
            log_probs=log_probs,
            entropy=zeros,
            log_sum_sq_probs=zeros,
            mean_logits=zeros,
            is_top1=torch.zeros_like(scored),
            label_mask=scored,
        )


class LogitsModel(_SequenceTable):
    """Stand-in for a model whose plain forward returns ``.logits``.

    ``set(tokens, value)``: a scalar ``value`` is a reward-model score (the output is (N, 1)); a
    (len(tokens), V) ``value`` holds the next-token logits at the real positions (the output is (N, T, V),
    zero at padding), as the experimental CPO / ORPO trainers read them.
    """

    def forward(self, input_ids=None, attention_mask=None, **kwargs):
        rows = []
        for i, row in enumerate(input_ids):
            attention = None if attention_mask is None else attention_mask[i]
            value = self.table[self._real_tokens(row, attention)]
            if value.dim() == 0:
                rows.append(value[None])
            else:
                positions = (attention.bool() if attention is not None else torch.ones_like(row, dtype=torch.bool))
                out = torch.zeros((row.shape[0], value.shape[-1]), dtype=value.dtype)
                rows.append(out.index_put((positions.nonzero().flatten(),), value))
        return _Logits(torch.stack(rows))


class _Logits:
    def __init__(self, logits: torch.Tensor) -> None:
        self.logits = logits


SFT_HEAD = ("log_probs", "entropy", "is_top1")  # what SFTTrainer.__init__ asks add_fused_lm_head for
DPO_HEAD = ("log_probs", "entropy", "mean_logits", "is_top1")  # DPOTrainer.__init__, policy (no WPO weighting)
REF_HEAD = ("log_probs",)  # DPOTrainer.__init__, reference model


def tiny_causal_lm(vocab_size: int = 23, seed: int = 0, outputs: tuple[str, ...] = SFT_HEAD) -> nn.Module:
    """A randomly initialised one-layer Llama (no download), float64, patched with TRL's fused LM head as the
    trainers patch it (``outputs``: the per-token fields the trainer asks for)."""
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl.trainer.utils import add_fused_lm_head

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64,
    )
    model = LlamaForCausalLM(config).to(torch.float64)
    add_fused_lm_head(model, outputs=outputs)
    return model.train()


# --------------------------------------------------------------------------------------------------------------
# One entry point per trainer
# --------------------------------------------------------------------------------------------------------------

_DPO_INIT = [
    "beta", "precompute_ref_logps", "loss_types", "loss_weights", "ld_alpha", "f_divergence_type",
    "f_alpha_divergence_coef", "label_smoothing", "use_weighting", "_metrics", "_total_train_tokens",
]


def dpo_loss(examples: Sequence[dict[str, list[int]]], policy: FusedLogProbModel, ref: FusedLogProbModel, **config: Any):
    """``trl.DPOTrainer.compute_loss`` on ``examples`` (``prompt_ids``, ``chosen_ids``, ``rejected_ids``),
    collated by TRL's ``DataCollatorForPreference``; ``policy`` / ``ref`` hold every prompt + response's
    per-token log-probabilities. Returns the loss and the collated batch."""
    from trl import DPOConfig, DPOTrainer
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    args = make_config(DPOConfig, **config)
    batch = DataCollatorForPreference(pad_token_id=0)(list(examples))
    trainer = bare_trainer(DPOTrainer, args, policy.train(), _DPO_INIT, ref_model=ref.eval())
    return trainer.compute_loss(policy, dict(batch)), batch


_KTO_INIT = [
    "beta", "precompute_ref_logps", "loss_type", "desirable_weight", "undesirable_weight", "_metrics",
    "_total_train_tokens",
]


def kto_loss(examples: Sequence[dict[str, Any]], policy: FusedLogProbModel, ref: FusedLogProbModel, **config: Any):
    """``trl.KTOTrainer.compute_loss`` on ``examples`` (``prompt_ids``, ``completion_ids``,
    ``KL_completion_ids``, ``label``), collated by TRL's ``DataCollatorForUnpairedPreference``; the models
    hold the log-probabilities of both the matched and the mismatched (KL) sequences."""
    from trl import KTOConfig, KTOTrainer
    from trl.trainer.kto_trainer import DataCollatorForUnpairedPreference

    args = make_config(KTOConfig, **config)
    batch = DataCollatorForUnpairedPreference(pad_token_id=0)(list(examples))
    # KTOTrainer.__init__: calculate_kl = args.loss_type not in ["apo_zero_unpaired"]; self.calculate_KL = calculate_kl
    calculate_kl = args.loss_type not in ["apo_zero_unpaired"]
    trainer = bare_trainer(KTOTrainer, args, policy.train(), _KTO_INIT, ref_model=ref.eval(), calculate_KL=calculate_kl)
    return trainer.compute_loss(policy, dict(batch)), batch


def reward_loss(examples: Sequence[dict[str, Any]], model: LogitsModel, **config: Any):
    """``trl.RewardTrainer.compute_loss`` on ``examples`` (``chosen_ids``, ``rejected_ids``, optional
    ``margin``), collated by TRL's reward ``DataCollatorForPreference``; ``model`` holds each sequence's score."""
    from trl import RewardConfig, RewardTrainer
    from trl.trainer.reward_trainer import DataCollatorForPreference

    args = make_config(RewardConfig, **config)
    batch = DataCollatorForPreference(pad_token_id=0)(list(examples))
    trainer = bare_trainer(RewardTrainer, args, model.train(), ["_metrics", "_total_train_tokens"])
    return trainer.compute_loss(model, dict(batch)), batch


def pairwise_batch(examples: Sequence[dict[str, list[int]]], pad: int = 0) -> dict[str, torch.Tensor]:
    """The per-pair tensors the experimental CPO / ORPO trainers consume (``chosen_input_ids``,
    ``chosen_attention_mask``, ``chosen_labels`` with −100 on prompt and padding, the same for ``rejected``),
    right-padded, as their ``tokenize_row`` and padding collator lay them out for a decoder-only model."""
    out: dict[str, torch.Tensor] = {}
    width = max(len(e["prompt_ids"]) + max(len(e["chosen_ids"]), len(e["rejected_ids"])) for e in examples)
    for side in ("chosen", "rejected"):
        ids = torch.full((len(examples), width), pad)
        attention = torch.zeros((len(examples), width), dtype=torch.long)
        labels = torch.full((len(examples), width), -100)
        for i, e in enumerate(examples):
            p, c = e["prompt_ids"], e[f"{side}_ids"]
            ids[i, : len(p) + len(c)] = torch.tensor(p + c)
            attention[i, : len(p) + len(c)] = 1
            labels[i, len(p) : len(p) + len(c)] = torch.tensor(c)
        out[f"{side}_input_ids"], out[f"{side}_attention_mask"], out[f"{side}_labels"] = ids, attention, labels
    return out


def _pairwise_trainer(trainer_cls: type, args: Any, init_names: list[str], model: LogitsModel):
    return bare_trainer(
        trainer_cls, args, model.train(), init_names,
        is_encoder_decoder=False,  # from the model's config in __init__
        _peft_has_been_casted_to_bf16=False,  # no PEFT
    )


def cpo_loss(examples: Sequence[dict[str, list[int]]], model: LogitsModel, **config: Any):
    """``trl.experimental.cpo.CPOTrainer.compute_loss`` (CPO; SimPO with ``loss_type="simpo"``) on
    :func:`pairwise_batch` ``(examples)``; ``model`` holds each sequence's next-token logits."""
    from trl.experimental.cpo import CPOConfig, CPOTrainer

    args = make_config(CPOConfig, **config)
    names = ["beta", "label_smoothing", "loss_type", "cpo_alpha", "alpha", "_stored_metrics"]
    if args.loss_type == "simpo":
        names.append("simpo_gamma")
    trainer = _pairwise_trainer(CPOTrainer, args, names, model)
    trainer.pad_token_id = 0  # from the model's config in __init__
    batch = pairwise_batch(examples)
    return trainer.compute_loss(model, batch), batch


def orpo_loss(examples: Sequence[dict[str, list[int]]], model: LogitsModel, **config: Any):
    """``trl.experimental.orpo.ORPOTrainer.compute_loss`` on :func:`pairwise_batch` ``(examples)``."""
    from trl.experimental.orpo import ORPOConfig, ORPOTrainer

    args = make_config(ORPOConfig, **config)
    trainer = _pairwise_trainer(ORPOTrainer, args, ["beta", "_stored_metrics"], model)
    trainer.padding_value = 0  # from the tokenizer's pad token in __init__
    batch = pairwise_batch(examples)
    return trainer.compute_loss(model, batch), batch


def sft_loss(model: nn.Module, batch: dict[str, torch.Tensor], num_items_in_batch=None, **config: Any) -> torch.Tensor:
    """``trl.SFTTrainer.compute_loss`` with a model patched by :func:`tiny_causal_lm`."""
    from trl import SFTConfig, SFTTrainer

    args = make_config(SFTConfig, **config)
    trainer = bare_trainer(
        SFTTrainer, args, model, ["_metrics", "_total_train_tokens"],
        compute_loss_func=None, label_smoother=None,  # transformers.Trainer.__init__ defaults (no label smoothing)
    )
    return trainer.compute_loss(model, dict(batch), num_items_in_batch=num_items_in_batch)


# --------------------------------------------------------------------------------------------------------------
# On-policy trainers: generate-and-score (advantages) and the loss
# --------------------------------------------------------------------------------------------------------------

_GRPO_INIT = [
    "max_completion_length", "num_generations", "num_generations_eval", "chat_template_kwargs", "pad_to_multiple_of",
    "use_vllm", "vllm_importance_sampling_correction", "loss_type", "multi_objective_aggregation", "scale_rewards",
    "importance_sampling_level", "off_policy_mask_threshold", "mask_truncated_completions", "top_entropy_quantile",
    "entropy_coef", "use_adaptive_entropy", "_entropy_bonus_enabled", "num_iterations", "epsilon_low", "epsilon_high",
    "_step", "_buffered_inputs", "beta", "_metrics", "_total_train_tokens", "log_multimodal", "_logs",
    "_pending_extra_logs", "_pending_metrics", "environments",
]
_RLOO_INIT = [
    "max_completion_length", "num_generations", "num_generations_eval", "chat_template_kwargs", "pad_to_multiple_of",
    "use_vllm", "normalize_advantages", "mask_truncated_completions", "reward_clip_range", "num_iterations",
    "epsilon_low", "epsilon_high", "_step", "_buffered_inputs", "beta", "_metrics", "_total_train_tokens",
    "log_multimodal", "_logs", "_pending_extra_logs", "_pending_metrics",
]


class OnPolicyRun:
    """A bare ``GRPOTrainer`` or ``RLOOTrainer`` with stand-in policy / reference models.

    ``rollout(prompt_ids, completion_ids, reward_funcs)`` runs the trainer's real
    ``_generate_and_score_completions`` (rewards → advantages, masks, old and reference log-probs), with
    generation replaced by the given token ids; ``loss(batch)`` runs its real ``_compute_loss``.
    """

    def __init__(self, trainer_cls: type, config_cls: type, eos_token_id: int, **config: Any) -> None:
        self.args = make_config(config_cls, **config)
        self.policy, self.ref = FusedLogProbModel().train(), FusedLogProbModel().eval()
        grpo = trainer_cls.__name__ == "GRPOTrainer"
        self.trainer = bare_trainer(
            trainer_cls, self.args, self.policy, _GRPO_INIT if grpo else _RLOO_INIT,
            ref_model=self.ref if self.args.beta != 0.0 else None,
            _tokenizer=_PadOnly(pad_token_id=0),  # only the pad id is read when no text is decoded
            eos_token_ids=[eos_token_id],  # from the tokenizer / generation config in __init__
            tools=[],  # no tool calling (GRPO)
            environment_factories=None,
        )

    def prepare(self, prompt_ids: list[list[int]], completion_ids: list[list[int]], reward_funcs: list[Callable]):
        """Give the trainer one generation batch (rows grouped by prompt, ``num_generations`` consecutive
        completions each) in place of generating it, and the reward functions."""
        trainer = self.trainer
        completions = [f"c{i}" for i in range(len(completion_ids))]
        if type(trainer).__name__ == "GRPOTrainer":
            trainer._generate = lambda prompts: (prompt_ids, completion_ids, None, completions, None, {}, None, None)
        else:
            trainer._generate = lambda prompts: (prompt_ids, completion_ids, completions)
        # set from `reward_funcs` in __init__ (the weights in two branches, so fixed here)
        trainer.reward_funcs = list(reward_funcs)
        trainer.reward_func_names = [f"reward_{i}" for i in range(len(reward_funcs))]
        trainer.reward_processing_classes = [None] * len(reward_funcs)
        weights = self.args.reward_weights
        trainer.reward_weights = torch.tensor(weights if weights is not None else [1.0] * len(reward_funcs))
        self._inputs = [{"prompt": f"p{i}"} for i in range(len(prompt_ids))]

    def rollout(self, prompt_ids: list[list[int]], completion_ids: list[list[int]], reward_funcs: list[Callable]):
        """TRL's ``_generate_and_score_completions`` on one generation batch; returns its output dict."""
        self.prepare(prompt_ids, completion_ids, reward_funcs)
        with default_dtype(torch.float64):  # TRL's reward matrix uses the default dtype
            return self.trainer._generate_and_score_completions(self._inputs)

    def prepare_inputs(self, step: int) -> dict[str, Any]:
        """TRL's ``_prepare_inputs`` at training step ``step`` (after :meth:`prepare`): generates and scores on
        the first step of a generation batch, then returns the step's (shuffled) slice of the buffer."""
        self.trainer._step = step
        with default_dtype(torch.float64):
            return self.trainer._prepare_inputs(self._inputs)

    def loss(self, batch: dict[str, Any]) -> torch.Tensor:
        return self.trainer._compute_loss(self.policy, dict(batch))


class _PadOnly:
    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id
