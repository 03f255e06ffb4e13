"""Q37 · How much SFT data vs preference data? The published recipes, with their ratios computed.

Every count below is quoted from its source; the ratios are computed here, not quoted.

- LIMA (Zhou et al. 2023, arXiv:2305.11206): 1,000 curated SFT examples, no preference data.
- InstructGPT (Ouyang et al. 2022, arXiv:2203.02155, §3.2): about 13k SFT prompts, 33k reward-model
  prompts and 31k PPO prompts; each RM prompt has K = 4 to 9 ranked responses, i.e. K(K−1)/2 comparisons.
- Llama 2 (Touvron et al. 2023, arXiv:2307.09288): 27,540 SFT annotations (§3.1); 1,418,091 Meta
  preference comparisons (Table 6).
- Tülu 3 (Lambert et al. 2024, arXiv:2411.15124), released mixtures: SFT 939,343 examples; 8B DPO mixture
  271,409 pairs; 70B DPO mixture 334,367 pairs (Hugging Face dataset cards).

The asserts check what the numbers say: there is no common ratio (it spans more than two orders of
magnitude), and preference data is not always larger than SFT data.

Run: ``python -m snippets.q37_data_ratio``
"""

from __future__ import annotations

import torch

# recipe -> (SFT examples, preference comparisons). None: the recipe reports prompts, not comparisons.
RECIPES: dict[str, tuple[int, int | None]] = {
    "LIMA": (1_000, 0),
    "InstructGPT": (13_000, None),
    "Llama 2": (27_540, 1_418_091),
    "Tulu 3 8B": (939_343, 271_409),
    "Tulu 3 70B": (939_343, 334_367),
}
INSTRUCTGPT_RM_PROMPTS = 33_000
INSTRUCTGPT_PPO_PROMPTS = 31_000
INSTRUCTGPT_K = (4, 9)  # responses ranked per RM prompt


def comparisons_per_ranking(k: torch.Tensor) -> torch.Tensor:
    """Pairwise comparisons implied by ranking k responses: C(k, 2) = k(k − 1)/2 (elementwise)."""
    if (k < 2).any():
        raise ValueError("a ranking needs at least 2 responses")
    # C(k, 2) = k (k − 1) / 2
    return k * (k - 1) // 2


def preference_to_sft_ratio(sft: torch.Tensor, pref: torch.Tensor) -> torch.Tensor:
    """Preference comparisons per SFT example, elementwise; shapes must match."""
    if sft.shape != pref.shape:
        raise ValueError(f"sft {tuple(sft.shape)} and pref {tuple(pref.shape)} must match")
    if (sft <= 0).any():
        raise ValueError("SFT counts must be positive")
    # ratio = preference comparisons / SFT examples
    return pref.double() / sft.double()


def main() -> None:
    torch.manual_seed(0)
    # InstructGPT's RM data: 33k prompts × C(K, 2) comparisons, K in [4, 9] → between 6 and 36 per prompt.
    per_prompt = comparisons_per_ranking(torch.tensor(INSTRUCTGPT_K))
    assert per_prompt.tolist() == [6, 36]
    low, high = (INSTRUCTGPT_RM_PROMPTS * per_prompt).tolist()
    assert 190_000 < low < high < 1_200_000  # ≈ 0.2M to 1.2M comparisons from only 33k prompts
    # The RL stage needs prompts only, and InstructGPT used about as many as for the RM.
    assert abs(INSTRUCTGPT_PPO_PROMPTS / INSTRUCTGPT_RM_PROMPTS - 1) < 0.1

    names = [n for n, (_, p) in RECIPES.items() if p]  # recipes reporting both counts, with preference data
    sft = torch.tensor([RECIPES[n][0] for n in names])
    pref = torch.tensor([RECIPES[n][1] for n in names])
    ratio = dict(zip(names, preference_to_sft_ratio(sft, pref).tolist()))

    # Llama 2: about 51 comparisons per SFT annotation — preference data dominates.
    assert 50 < ratio["Llama 2"] < 52
    # Tülu 3: more than 3× more SFT examples than DPO pairs — the opposite balance.
    assert ratio["Tulu 3 8B"] < 0.3 and ratio["Tulu 3 70B"] < 0.36
    # The bigger Tülu 3 model got the bigger preference mixture (on-policy pairs are generated per size).
    assert RECIPES["Tulu 3 70B"][1] > RECIPES["Tulu 3 8B"][1]
    # No common ratio: the spread between recipes exceeds two orders of magnitude ...
    assert max(ratio.values()) / min(ratio.values()) > 100
    # ... and the smallest SFT set (LIMA) is about 940× smaller than the largest (Tülu 3).
    assert RECIPES["Tulu 3 8B"][0] / RECIPES["LIMA"][0] > 900
    print({k: round(v, 3) for k, v in ratio.items()}, f"InstructGPT RM comparisons in [{low:,}, {high:,}]")


if __name__ == "__main__":
    main()
