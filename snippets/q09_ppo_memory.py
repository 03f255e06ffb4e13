"""Q9 · The four models of PPO-RLHF and what they cost in memory.

PPO-RLHF (Ouyang et al. 2022, arXiv:2203.02155) holds four networks: the policy π_θ and the value
model V_ψ are trained; the reference π_ref and the reward model r_φ are frozen. Counting bytes per
parameter as in ZeRO (Rajbhandari et al. 2019, arXiv:1910.02054, §3.1):

    frozen model, bf16 weights                        2 bytes/param
    trained model, mixed-precision Adam:
        bf16 weights 2 + bf16 gradients 2 + fp32 master weights 4 + Adam m 4 + Adam v 4 = 16 bytes/param

For a 70B policy with every model 70B: fp32 weights alone are 4 × 70e9 × 4 B = 1.12 TB (the figure the
common "~1 TB before optimizer state" answer quotes), bf16 weights are 560 GB, and with mixed-precision
Adam on the two trained models the total is 2 × 70e9 × 16 + 2 × 70e9 × 2 = 2.52 TB — before
activations, the KV cache of generation, and any communication buffers.

Run: ``python -m snippets.q09_ppo_memory``
"""

from __future__ import annotations

import math

# Bytes per element of each storage type.
DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
# Adam's fp32 moments per parameter: first moment m + second moment v.
ADAM_MOMENT_BYTES = 4 + 4
# Mixed precision adds an fp32 master copy of the weights when the working weights are 16-bit.
MASTER_WEIGHT_BYTES = 4


def bytes_per_param(trained: bool, weights: str = "bf16", grads: str = "bf16", adam: bool = True) -> int:
    """Bytes one parameter occupies, excluding activations and caches.

    Args:
        trained: whether the model receives gradient updates (policy, value model) or is frozen
            (reference, reward model).
        weights: storage type of the working weights, a key of ``DTYPE_BYTES``.
        grads: storage type of the gradients (trained models only).
        adam: whether the trained model keeps Adam state: fp32 moments m and v, plus an fp32 master
            copy of the weights when the working weights are 16-bit (mixed precision).

    Returns:
        bytes per parameter: ``weights`` for a frozen model; weights + gradients + optimizer state for a
        trained one. Mixed-precision Adam with bf16 weights and gradients: 2 + 2 + (4 + 4 + 4) = 16.
    """
    if weights not in DTYPE_BYTES or grads not in DTYPE_BYTES:
        raise ValueError(f"dtype must be one of {sorted(DTYPE_BYTES)}, got weights={weights!r}, grads={grads!r}")
    if not trained:
        return DTYPE_BYTES[weights]
    master = MASTER_WEIGHT_BYTES if DTYPE_BYTES[weights] < 4 else 0
    # trained: weights + gradients + K, with K = 4 + 4 + 4 = 12 for mixed-precision Adam (ZeRO §3.1)
    return DTYPE_BYTES[weights] + DTYPE_BYTES[grads] + ((master + ADAM_MOMENT_BYTES) if adam else 0)


def ppo_memory(
    policy_params: float,
    value_params: float | None = None,
    reward_params: float | None = None,
    reference_params: float | None = None,
    weights: str = "bf16",
    optimizer_state: bool = True,
) -> dict[str, float]:
    """Bytes held by each of PPO-RLHF's four models (weights, gradients, optimizer state only).

    Args:
        policy_params: parameters of the policy π_θ (trained).
        value_params: parameters of the value model V_ψ (trained); ``None`` means the same size as the
            policy, ``0`` means no value model (GRPO, RLOO).
        reward_params: parameters of the reward model r_φ (frozen); ``None`` = policy size, ``0`` = a
            programmatic verifier instead of a network.
        reference_params: parameters of π_ref (frozen); ``None`` = policy size (it is a copy of the
            SFT model), ``0`` = no KL term.
        weights: storage type of every model's weights. ``"fp32"`` with ``optimizer_state=False``
            gives the weights-only fp32 count.
        optimizer_state: whether trained models carry gradients and mixed-precision Adam state.
            ``False`` counts weights only, for every model.

    Returns:
        dict with keys ``policy``, ``value``, ``reward``, ``reference`` and ``total``, in bytes.
    """
    sizes = {
        "policy": policy_params,
        "value": policy_params if value_params is None else value_params,
        "reward": policy_params if reward_params is None else reward_params,
        "reference": policy_params if reference_params is None else reference_params,
    }
    if any(n < 0 for n in sizes.values()):
        raise ValueError(f"parameter counts must be non-negative, got {sizes}")
    trained = {"policy": True, "value": True, "reward": False, "reference": False}
    out = {}
    for name, n in sizes.items():
        is_trained = trained[name] and optimizer_state
        # bytes = parameters × bytes/parameter
        out[name] = n * bytes_per_param(is_trained, weights=weights, grads=weights)
    out["total"] = sum(out.values())
    return out


def main() -> None:
    tb, gb = 1e12, 1e9  # decimal units, as the figures are quoted
    n = 70e9

    # The common answer's "~1 TB for four 70B models" is the fp32-weights figure: 4 × 70e9 × 4 B.
    fp32_weights = ppo_memory(n, weights="fp32", optimizer_state=False)["total"]
    assert math.isclose(fp32_weights, 4 * n * 4) and math.isclose(fp32_weights / tb, 1.12)
    # In bf16 the four sets of weights are half that: 560 GB.
    bf16_weights = ppo_memory(n, optimizer_state=False)["total"]
    assert math.isclose(bf16_weights / gb, 560)

    # Mixed-precision Adam: 16 bytes/param for the two trained models, 2 for the two frozen ones.
    assert bytes_per_param(trained=True) == 16 and bytes_per_param(trained=False) == 2
    # (Pure fp32 Adam is also 16: 4 weights + 4 gradients + 8 moments, with no separate master copy.)
    assert bytes_per_param(trained=True, weights="fp32", grads="fp32") == 16
    # ZeRO's worked example (§3.1): a 7.5B model needs 16 × 7.5e9 = 120 GB of model states.
    assert math.isclose(7.5e9 * bytes_per_param(trained=True) / gb, 120)
    full = ppo_memory(n)
    assert math.isclose(full["policy"], n * 16) and math.isclose(full["value"], n * 16)
    assert math.isclose(full["reward"], n * 2) and math.isclose(full["reference"], n * 2)
    assert math.isclose(full["total"] / tb, 2.52)  # ≈ 2.5 TB before activations and KV cache
    # The optimizer state, not the model count, dominates: the trained pair is 8× the frozen pair.
    assert math.isclose((full["policy"] + full["value"]) / (full["reward"] + full["reference"]), 8)
    # On 80 GB accelerators the model states alone fill at least 32 of them (fully sharded, no slack).
    assert math.ceil(full["total"] / (80 * gb)) == 32

    # Smaller critic and reward model, as in InstructGPT (a 6B RM and a 6B value model for a 175B
    # policy): the two small models are a few per cent of the total.
    instruct = ppo_memory(175e9, value_params=6e9, reward_params=6e9)
    assert (instruct["value"] + instruct["reward"]) / instruct["total"] < 0.05

    # GRPO with a programmatic verifier: no value model, no reward network — exactly half of PPO here.
    grpo = ppo_memory(n, value_params=0, reward_params=0)
    assert math.isclose(grpo["total"] / full["total"], 0.5)
    # And with no KL term as well (β = 0: no reference model) only the trained policy remains — whose
    # 16 bytes/param give 1.12 TB, the same number as four sets of fp32 weights: beware which one is meant.
    policy_only = ppo_memory(n, value_params=0, reward_params=0, reference_params=0)["total"]
    assert math.isclose(policy_only, fp32_weights)
    print(f"fp32 weights {fp32_weights / tb:.2f} TB; bf16 weights {bf16_weights / gb:.0f} GB; "
          f"with mixed-precision Adam {full['total'] / tb:.2f} TB; GRPO+verifier {grpo['total'] / tb:.2f} TB")


if __name__ == "__main__":
    main()
