"""Q62 · 2023 vs 2025: what each post-training stack holds in memory, and which change saved what.

A 2023 RLHF stack (InstructGPT-style PPO, Ouyang et al. 2022, arXiv:2203.02155) trains a policy and a value
model against a frozen reward model with a KL pull to a frozen reference: four networks. The 2025 reasoning
stacks score rollouts with a program instead of a reward model (RLVR; Lambert et al. 2024, arXiv:2411.15124)
and — separately — drop the critic in favour of group baselines (GRPO, arXiv:2402.03300; DAPO,
arXiv:2503.14476, which also drops the KL term). Tülu 3's RLVR itself still ran PPO with a value model.

Using Q9's model-state accounting (bf16 weights, mixed-precision Adam: 16 bytes/param trained, 2 frozen),
swapping the reward model for a verifier saves 2 bytes/param; dropping the critic saves 16.

Run: ``python -m snippets.q62_2023_vs_2025``
"""

from __future__ import annotations

import math
from typing import NamedTuple

from snippets.q09_ppo_memory import ppo_memory


class Stack(NamedTuple):
    """One post-training recipe: which networks it holds and how it gets its learning signal."""

    name: str
    source: str  # where the recipe is described (arXiv ID)
    value_model: bool  # a trained critic V_ψ
    reward_network: bool  # a frozen reward model r_φ (False: a verifier program, or no reward at all)
    reference: bool  # a frozen π_ref for a KL term kept in memory
    samples_per_prompt: str  # rollouts generated per prompt per step


STACKS = [
    Stack("PPO-RLHF (2022-23)", "arXiv:2203.02155", True, True, True, ">= 1"),
    Stack("DPO, offline (2023)", "arXiv:2305.18290", False, False, True, "0 (fixed pairs)"),
    Stack("RLVR with PPO, Tulu 3 (2024)", "arXiv:2411.15124", True, False, True, ">= 1"),
    Stack("GRPO + verifier, R1-style (2025)", "arXiv:2501.12948", False, False, True, "G >= 2"),
    Stack("DAPO (2025)", "arXiv:2503.14476", False, False, False, "G >= 2, resampled"),
]


def model_state_bytes(stack: Stack, params: float) -> float:
    """Bytes of weights, gradients and Adam state for ``stack`` with every network of ``params`` parameters.

    Args:
        stack: the recipe.
        params: parameters per network (the policy's size; every other network is taken to be as large).

    Returns:
        total model-state bytes (activations, KV cache and the rollout engine not included).
    """
    if params <= 0:
        raise ValueError(f"params must be positive, got {params}")
    # total = 16·N (policy) + 16·N·[critic] + 2·N·[reward model] + 2·N·[reference]
    return ppo_memory(
        params,
        value_params=params if stack.value_model else 0,
        reward_params=params if stack.reward_network else 0,
        reference_params=params if stack.reference else 0,
    )["total"]


def main() -> None:
    n = 70e9
    by_name = {s.name.split(" (")[0]: model_state_bytes(s, n) for s in STACKS}
    ppo = by_name["PPO-RLHF"]
    assert math.isclose(ppo, 36 * n)  # 2 × 16 + 2 × 2 bytes per parameter: ≈ 2.5 TB at 70B

    # Replacing the reward model by a verifier (RLVR) while keeping PPO saves only 2/36 ≈ 6% ...
    assert math.isclose(by_name["RLVR with PPO, Tulu 3"] / ppo, 34 / 36)
    # ... dropping the critic is what halves model-state memory; dropping the KL reference (DAPO) saves 2 more.
    assert math.isclose(by_name["GRPO + verifier, R1-style"] / ppo, 18 / 36)
    assert math.isclose(by_name["DAPO"] / ppo, 16 / 36)
    # The critic alone is 16/36 = 44% of PPO-RLHF's model state: the single largest saving.
    saved = {
        "verifier for reward model": ppo - model_state_bytes(STACKS[0]._replace(reward_network=False), n),
        "no critic": ppo - model_state_bytes(STACKS[0]._replace(value_model=False), n),
        "no KL reference": ppo - model_state_bytes(STACKS[0]._replace(reference=False), n),
    }
    assert max(saved, key=saved.get) == "no critic" and math.isclose(saved["no critic"] / ppo, 16 / 36)
    # Offline DPO holds policy + reference (the same 18 N bytes as GRPO) but generates nothing during training.
    assert math.isclose(by_name["DPO, offline"], by_name["GRPO + verifier, R1-style"])
    print(", ".join(f"{k}: {v / 1e12:.2f} TB" for k, v in by_name.items()))


if __name__ == "__main__":
    main()
