"""analyze(): terms, subjects, negation, directions and years."""

import pytest

from claims.engine import (
    ClaimFeatures,
    analyze,
    index_term_counts,
    index_term_counts_of,
    index_terms,
)
from claims.engine.features import MAX_INDEX_TERMS


def test_analyze_returns_frozen_features() -> None:
    f = analyze("Samsung's HBM3E chips passed Nvidia's tests.")
    assert isinstance(f, ClaimFeatures)
    assert f.text == "Samsung's HBM3E chips passed Nvidia's tests."
    assert f.normalized == "samsung's hbm3e chips passed nvidia's tests."


def test_terms_are_stemmed_content_words_with_codes_kept() -> None:
    f = analyze("The 910C chips were compared with the H100 in 2024.")
    assert "910c" in f.terms
    assert "h100" in f.terms
    assert "chip" in f.terms
    assert "the" not in f.terms
    assert "2024" in f.terms


def test_equal_figures_share_an_index_term() -> None:
    assert "800000" in analyze("over 800k units").terms
    assert "800000" in analyze("more than 800,000 units").terms


def test_subject_terms_are_names_codes_and_acronyms() -> None:
    f = analyze("Last year the IMF said Huawei's 910C beat expectations in Kenya.")
    assert {"imf", "huawei", "910c", "kenya"} <= set(f.subject_terms)
    assert "expectations" not in f.subject_terms
    assert "last" not in f.subject_terms


def test_title_case_does_not_make_everything_a_subject() -> None:
    f = analyze("Did The Senate Pass The New Farm Bill In Ohio?")
    assert "farm" not in f.subject_terms


def test_negation_is_detected_with_its_phrase() -> None:
    f = analyze("The council never dissolved the committee.")
    assert f.negated
    assert f.negation_cues == ("council never dissolved",)
    assert not analyze("The council dissolved the committee.").negated


def test_a_negated_word_with_an_opposite_keeps_the_negation_as_its_sign() -> None:
    # "never approved" is read like "rejected": approve with a negative sign.
    f = analyze("The council never approved the budget.")
    assert f.negated
    assert f.negation_cues == ()
    assert [p.split(":")[1:] for p in f.polar] == [["-1", "never approved"]]
    assert not analyze("The council approved the budget.").negated


def test_bound_words_are_not_negation() -> None:
    assert not analyze("The plant employs no more than 40 people.").negated


def test_directions_are_normalised() -> None:
    assert analyze("Wages rose sharply.").directions == ("up",)
    assert analyze("Wages have been falling.").directions == ("down",)
    assert analyze("Solar is cheaper and better than coal.").directions == ("better",)
    assert analyze("The new chip is slower than the old one.").directions == ("less",)


def test_comparison_qualifier_is_not_a_direction() -> None:
    assert analyze("More than 40 people attended.").directions == ()


def test_passive_comparison_swaps_sides() -> None:
    cue = analyze("The Pixel 9 is outperformed by the Galaxy S24.").direction_cues[0]
    assert cue.polarity == "more"
    assert "galaxy" in cue.left
    assert "pixel" in cue.right


def test_years_and_target_years() -> None:
    f = analyze("Output fell in 2019 and should recover by 2026.")
    assert f.years == (2019, 2026)
    assert f.target_years == (2026,)


def test_index_terms_are_distinct_subjects_first_and_capped() -> None:
    f = analyze("Chips chips chips from Huawei.")
    terms = index_terms(f)
    assert terms[0] == "huawei"
    assert len(terms) == len(set(terms))
    long_text = " ".join(f"word{i}x" for i in range(200))
    assert len(index_terms(analyze(long_text))) == MAX_INDEX_TERMS


# Texts that exercise every stage the index terms depend on: figures in several spellings,
# dates, growth factors, negating verbs, words with opposites, shouting, and a long text
# whose distinct terms exceed the cap (subjects then decide which terms stay).
_INDEXED_TEXTS = (
    "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance.",
    "The council spent 800k on school meals, not 800,000 as the mayor claimed in March 2024.",
    "Exports tripled since 2019 and the minister refused to sign the fishing deal.",
    "The vaccine is not safe, says a post shared on 3 May 2021.",
    "BREAKING: GOVERNMENT BANS PETROL CARS BY 2030!!!",
    "Two thirds of nurses quit within five years, a union said on Tuesday.",
    " ".join(f"Word{n} alpha{n} beta{n}" for n in range(40)),
)


@pytest.mark.parametrize("text", _INDEXED_TEXTS)
def test_terms_only_path_indexes_exactly_like_a_full_analysis(text: str) -> None:
    assert index_term_counts_of(text) == index_term_counts(analyze(text))
