"""Newsroom language: one test per phenomenon, with sentences written for these tests."""

from __future__ import annotations

import pytest

from claims.engine import PairResult, analyze, classify
from claims.engine.normalize import stem


def verdict(a: str, b: str) -> PairResult:
    return classify(analyze(a), analyze(b))


def assert_label(result: PairResult, label: str, reason: str | None = None) -> None:
    assert result.label == label, result.reasons
    if reason is not None:
        assert any(reason in r for r in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        # Number words, with and without a scale word.
        (
            "The charity raised 45,000 pounds last winter.",
            "Last winter the charity raised forty-five thousand pounds.",
            "45,000 pounds = forty-five thousand pounds",
        ),
        (
            "The hospital treated 700 patients in one weekend.",
            "In one weekend the hospital treated seven hundred patients.",
            "700 = seven hundred",
        ),
        # Fractions and "N in M" as percentages.
        (
            "Three quarters of voters back the plan.",
            "75% of voters back the plan.",
            "Three quarters = 75%",
        ),
        (
            "Four in five nurses work night shifts.",
            "80 percent of nurses work night shifts.",
            "= 80 percent",
        ),
        # Multipliers.
        (
            "Rents in the capital doubled over the decade.",
            "Over the decade rents in the capital rose twofold.",
            "doubled = twofold",
        ),
        # Currencies as symbols, codes or words.
        (
            "The museum received a $3 million donation.",
            "The museum received a donation of 3 million dollars.",
            "$3 million = 3 million dollars",
        ),
        # Units and their aliases, converted.
        (
            "The new cycle path is 5 miles long.",
            "The new cycle path is 8.05 km long.",
            "5 miles = 8.05 km",
        ),
        (
            "The reservoir holds 40 million litres.",
            "The reservoir holds 40 million liters.",
            "Same figure",
        ),
    ],
)
def test_same_figure_in_other_words_is_a_repeat(a: str, b: str, reason: str) -> None:
    assert_label(verdict(a, b), "repeat", reason)


def test_a_fraction_conflicts_with_a_bound_it_breaks() -> None:
    result = verdict(
        "A third of the town's homes have solar panels.",
        "More than half of the town's homes have solar panels.",
    )
    assert_label(result, "conflict", "Numbers differ")


def test_a_multiplier_that_differs_conflicts() -> None:
    assert_label(
        verdict("Ticket prices tripled this season.", "Ticket prices halved this season."),
        "conflict",
    )


def test_day_and_month_in_either_order_are_one_date() -> None:
    a = "The summit opened on 4 October."
    assert_label(verdict(a, "The summit opened on October 4."), "repeat")
    assert_label(
        verdict(a, "The summit opened on 9 November."),
        "conflict",
        "Different date",
    )


def test_another_date_for_another_event_is_no_conflict() -> None:
    result = verdict(
        "The festival sold out on 2 June.",
        "The mayor opened a new library on 19 August.",
    )
    assert result.label in ("compatible", "unrelated"), result.reasons


def test_lemmas_make_irregular_forms_meet() -> None:
    assert stem("upheld") == stem("uphold")
    assert stem("using") == stem("use")
    assert (
        analyze("The judges upheld the appeal.").terms
        == analyze("The judges uphold the appeal.").terms
    )


def test_acronym_and_its_expansion_are_the_same_name() -> None:
    result = verdict(
        "The IMF cut its growth forecast for Kenya.",
        "The International Monetary Fund cut its growth forecast for Kenya.",
    )
    assert_label(result, "repeat")
    assert "imf" in analyze("The International Monetary Fund met.").subject_terms


@pytest.mark.parametrize(
    ("b", "cue"),
    [
        ("The governor refused to sign the budget.", "refused"),
        ("The governor vetoed the budget.", "vetoed"),
    ],
)
def test_negating_verbs_conflict(b: str, cue: str) -> None:
    result = verdict("The governor signed the budget.", b)
    assert_label(result, "conflict", cue)


def test_a_denial_repeats_a_plain_negation() -> None:
    result = verdict(
        "The coach denied taking a bribe.",
        "The coach said he did not take a bribe.",
    )
    assert_label(result, "repeat")


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (
            "The border crossing is open at night.",
            "The border crossing is closed at night.",
            "Opposite words",
        ),
        (
            "The city council approved the bus lane.",
            "The city council rejected the bus lane.",
            "approved vs rejected",
        ),
        (
            "The union supports the pay offer.",
            "The union opposes the pay offer.",
            "supports vs opposes",
        ),
        ("The tap water is safe to drink.", "The tap water is unsafe to drink.", "safe vs unsafe"),
        (
            "The appeals court upheld the sentence.",
            "The appeals court overturned the sentence.",
            "upheld vs overturned",
        ),
    ],
)
def test_antonyms_conflict(a: str, b: str, reason: str) -> None:
    assert_label(verdict(a, b), "conflict", reason)


def test_a_negated_antonym_agrees() -> None:
    # "not closed" says the same as "open".
    result = verdict(
        "The ski lift is not closed this weekend.",
        "The ski lift is open this weekend.",
    )
    assert_label(result, "repeat")


def test_converse_comparison_with_swapped_sides_is_a_repeat() -> None:
    result = verdict(
        "Norway exports more gas than Denmark.",
        "Denmark exports less gas than Norway.",
    )
    assert_label(result, "repeat")


def test_same_comparison_with_swapped_sides_conflicts() -> None:
    assert_label(
        verdict(
            "Norway exports more gas than Denmark.",
            "Denmark exports more gas than Norway.",
        ),
        "conflict",
        "Opposite direction",
    )
    assert_label(
        verdict(
            "Cyclists outnumber drivers on the bridge.",
            "Drivers outnumber cyclists on the bridge.",
        ),
        "conflict",
    )


def test_superlative_against_ranked_superlative_conflicts() -> None:
    result = verdict(
        "Lagos is the largest city in Nigeria.",
        "Lagos is the second largest city in Nigeria.",
    )
    assert_label(result, "conflict", "largest vs second largest")


def test_quantifiers_conflict() -> None:
    result = verdict("Most farmers oppose the new tariff.", "Few farmers oppose the new tariff.")
    assert_label(result, "conflict", "Most vs Few")


def test_a_version_number_is_not_a_quantity() -> None:
    features = analyze("Tencent released Hunyuan 3D version 1.")
    assert features.quantities == ()
    result = verdict(
        "Tencent released Hunyuan 3D version 1.",
        "Hunyuan 3D was downloaded more than 1.6 million times.",
    )
    assert result.label != "conflict", result.reasons


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        # A number after a naming word is the thing's identity.
        (
            "The drama was renewed for season 4.",
            "The drama was renewed for season 9.",
            "4 vs 9",
        ),
        (
            "Flight 212 landed safely in Oslo.",
            "Flight 48 landed safely in Oslo.",
            "212 vs 48",
        ),
        # A capitalised name then a number that counts nothing.
        (
            "The Airbus 320 was withdrawn from the fleet.",
            "The Airbus 330 was withdrawn from the fleet.",
            "320 vs 330",
        ),
        # Hyphenated model codes keep their number.
        (
            "The Su-27 was designed in the 1970s.",
            "The Su-57 was designed in the 1970s.",
            "su27 vs su57",
        ),
    ],
)
def test_different_name_numbers_are_different_subjects(a: str, b: str, reason: str) -> None:
    result = verdict(a, b)
    assert_label(result, "compatible", reason)
    assert verdict(a, a).label == "repeat"


def test_a_hyphenated_code_in_the_plural_is_the_same_code() -> None:
    assert "mig29" in analyze("Rangers bought six MiG-29s.").subject_terms
    result = verdict(
        "Rangers bought 6 MiG-29s last year.", "Last year Rangers bought 6 MiG-29 jets."
    )
    assert result.label == "repeat", result.reasons


def test_a_counted_number_after_a_name_stays_a_figure() -> None:
    # "Berlin 40 days" counts days; a capital after a full stop says nothing either.
    assert [q.raw for q in analyze("Snow covered Berlin 40 days in a row.").quantities] == [
        "40 days"
    ]
    assert [q.raw for q in analyze("It rained. Berlin 12 was the storm's name.").quantities]
    result = verdict("Top-10 lists were shared 500 times.", "Top-10 lists were shared 900 times.")
    assert_label(result, "conflict", "500 vs 900")


@pytest.mark.parametrize(
    ("a", "b", "label", "reason"),
    [
        # The same event put in another relative year contradicts.
        (
            "The ferry line closed last year.",
            "The ferry line closed this year.",
            "conflict",
            "last year vs this year",
        ),
        (
            "The stadium was built four years ago.",
            "The stadium was built 7 years ago.",
            "conflict",
            "4 years ago vs 7 years ago",
        ),
        # Figures in different relative years are two measurements.
        (
            "Rents rose 6% last year.",
            "Rents rose 2% next year.",
            "compatible",
            "another time",
        ),
        # Said the same way, the same year.
        (
            "The ferry line closed last year.",
            "Last year the ferry line closed.",
            "repeat",
            None,
        ),
    ],
)
def test_relative_years(a: str, b: str, label: str, reason: str | None) -> None:
    assert_label(verdict(a, b), label, reason)


def test_a_relative_year_is_read_from_the_posts_own_date() -> None:
    post = "Our ferry line closed last year. — Harbour Office (@harbour) June 4, 2025"
    assert analyze(post).years == (2024,)
    assert verdict(post, "The ferry line closed in 2024.").label == "repeat"
    assert_label(verdict(post, "The ferry line closed in 2019."), "conflict", "2024 vs 2019")


def test_a_relative_year_says_nothing_against_a_calendar_year_without_a_date() -> None:
    # Without the claim's own date "last year" may be any year: neither a match nor a clash.
    result = verdict("The ferry line closed last year.", "The ferry line closed in 2019.")
    assert not any("Different year" in r for r in result.reasons), result.reasons
    # A bounded span of time is a figure, compared as one.
    assert analyze("He left more than 2 years ago.").relative_years == ()


SENTENCES = (
    "The charity raised 45,000 pounds last winter.",
    "Last winter the charity raised forty-five thousand pounds.",
    "The charity raised 4,500 pounds last winter.",
    "The border crossing is open at night.",
    "The border crossing is not closed at night.",
    "The border crossing is closed at night.",
    "Norway exports more gas than Denmark.",
    "Denmark exports less gas than Norway.",
    "Denmark exports more gas than Norway.",
    "Lagos is the largest city in Nigeria.",
    "Lagos is the second largest city in Nigeria.",
    "The summit opened on 4 October 2026.",
    "The summit opened on October 9, 2026.",
    "The summit opened in 2025.",
    "Rents in the capital doubled over the decade.",
    "Rents in the capital rose 50% over the decade.",
    "The governor refused to sign the budget.",
    "The governor signed the budget, a spokesman said.",
    "About a quarter of pupils walk to school.",
    "Fewer than 10% of pupils walk to school.",
    "Pupils walk to school #schoolrun https://example.org/x",
)


def test_pair_decisions_are_symmetric() -> None:
    """Every pair of the sentences above gets one label and score whichever side comes
    first, and the reasons of one order are those of the other with the sides swapped."""
    features = [analyze(s) for s in SENTENCES]
    for i, a in enumerate(features):
        for b in features[i + 1 :]:
            ab, ba = classify(a, b), classify(b, a)
            assert (ab.label, ab.score) == (ba.label, ba.score), (a.text, b.text)
            assert len(ab.reasons) == len(ba.reasons)
            for x, y in zip(ab.reasons, ba.reasons, strict=True):
                assert sorted(x.replace(" = ", " vs ").split()) == sorted(
                    y.replace(" = ", " vs ").split()
                ), (x, y)
            assert ab.details["negated_a"] == ba.details["negated_b"]
            assert ab.details["only_a_subject_terms"] == ba.details["only_b_subject_terms"]


def test_reasons_name_the_sides_in_the_callers_order() -> None:
    a = analyze("The charity raised 45,000 pounds last winter.")
    b = analyze("The charity raised 4,500 pounds last winter.")
    assert "Numbers differ: 45,000 pounds vs 4,500 pounds" in classify(a, b).reasons[-1]
    assert "Numbers differ: 4,500 pounds vs 45,000 pounds" in classify(b, a).reasons[-1]


def test_turns_out_is_not_a_verb_of_making() -> None:
    # "It turns out" is how a sentence reports a finding; mapping it to "produce" made
    # unrelated claims share a word.
    assert "produc" not in analyze("It turns out the bridge was never inspected.").terms


@pytest.mark.parametrize(
    ("a", "b", "cue"),
    [
        # A wrapper that denies the whole claim.
        (
            "The mayor cycled to work every day in June.",
            "It is not true that the mayor cycled to work every day in June.",
            "not true",
        ),
        # Both sides deny something, one of them more: it denies what the other asserts.
        (
            "The board has hired a new coach, but it has not renewed the stadium lease.",
            "The board has not hired a new coach, and it has not renewed the stadium lease.",
            "not hired",
        ),
    ],
)
def test_a_denial_conflicts_with_the_claim(a: str, b: str, cue: str) -> None:
    assert_label(verdict(a, b), "conflict", cue)


def test_two_claims_denying_different_things_do_not_clash() -> None:
    result = verdict(
        "The singer never performed in Lisbon.",
        "She has not released an album in Portugal.",
    )
    assert not any("negated" in r for r in result.reasons), result.reasons


def test_words_the_dictionary_would_fold_into_another_meaning() -> None:
    # "at least 5" is the opposite bound of "less than 5"; "the media" is not a medium.
    assert stem("least") != stem("less")
    assert stem("media") != stem("medium")
