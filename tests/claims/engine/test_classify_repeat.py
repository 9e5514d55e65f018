"""Repeats: the same truth conditions, however worded."""

import json

import pytest

from claims.engine import PairResult, Thresholds, analyze, classify


def verdict(a: str, b: str, **kwargs: object) -> PairResult:
    return classify(analyze(a), analyze(b), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Huawei's 910C reaches roughly 60 percent of the H100's inference speed.",
            "Ascend 910C delivers ~60% of H100 inference speed, Huawei says.",
        ),
        (
            "Unemployment in Spain fell to 11% in 2024.",
            "In 2024 Spanish unemployment fell to 11 percent, the lowest in Spain for years.",
        ),
        (
            "The chipmaker sold more than 2 million GPUs last quarter.",
            "Over 2m GPUs were sold by the chipmaker last quarter.",
        ),
        (
            "The senate passed the climate bill on June 3, 2022.",
            "On 3 June 2022 the senate passed the climate bill.",
        ),
    ],
)
def test_rewordings_are_repeats(a: str, b: str) -> None:
    result = verdict(a, b)
    assert result.label == "repeat", result.reasons
    assert 0.5 <= result.score <= 1.0


def test_identical_text_is_a_confident_repeat() -> None:
    text = "Brazil's GDP grew 2.9% in 2023."
    result = verdict(text, text)
    assert result.label == "repeat"
    assert result.score > 0.9


def test_passive_comparison_repeats_the_active_one() -> None:
    result = verdict(
        "The Kirin 9000 chip outperforms the Snapdragon X1.",
        "The Snapdragon X1 is outperformed by the Kirin 9000 chip.",
    )
    assert result.label == "repeat", result.reasons


def test_same_figure_exact_and_approximate_is_a_repeat() -> None:
    result = verdict(
        "The city planted 100,000 trees in its green programme.",
        "About 100k trees were planted in the city's green programme.",
    )
    assert result.label == "repeat", result.reasons


def test_reasons_name_the_shared_subject_and_figure() -> None:
    result = verdict(
        "Nvidia's H100 draws 700 watts.",
        "The H100 from Nvidia draws 700 watts.",
    )
    assert result.label == "repeat"
    assert any(r.startswith("Same subject:") and "h100" in r for r in result.reasons)
    assert any("700" in r for r in result.reasons if r.startswith("Same figure"))


def test_external_similarity_can_raise_a_paraphrase_to_repeat() -> None:
    a = "Inflation eased to 3% in March."
    b = "Price growth slowed to 3% in March."
    threshold = Thresholds()
    assert verdict(a, b, thresholds=threshold, similarity=0.95).label == "repeat"


def test_details_are_json_serialisable() -> None:
    result = verdict("Exports rose by over 10% in 2022.", "Exports fell by about 5% in 2022.")
    json.dumps(result.details)


def test_thresholds_are_respected() -> None:
    a = "The H100 from Nvidia draws 700 watts."
    b = "Nvidia's H100 draws 700 watts."
    assert verdict(a, b).label == "repeat"
    strict = Thresholds(repeat=1.5)
    assert verdict(a, b, thresholds=strict).label == "compatible"


def test_a_figure_on_one_side_only_is_not_a_repeat() -> None:
    result = verdict(
        "The Lumen app was downloaded 5 million times in Brazil.",
        "The Lumen app was downloaded in Brazil.",
    )
    assert result.label == "compatible", result.reasons
    assert any("Figure stated on one side only: 5 million" in r for r in result.reasons)
