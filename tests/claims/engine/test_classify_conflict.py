"""Conflicts: same subject, and both cannot be true."""

import pytest

from claims.engine import PairResult, analyze, classify


def verdict(a: str, b: str) -> PairResult:
    return classify(analyze(a), analyze(b))


def assert_conflict(result: PairResult, reason_start: str) -> None:
    assert result.label == "conflict", result.reasons
    assert any(r.startswith(reason_start) for r in result.reasons), result.reasons
    assert 0.5 <= result.score <= 1.0


def test_other_percentage_conflicts() -> None:
    result = verdict(
        "Huawei's Ascend 910C reaches about 60% of the H100's inference speed.",
        "Huawei's Ascend 910C reaches about 90% of the H100's inference speed.",
    )
    assert_conflict(result, "Numbers differ: about 60% vs about 90%")
    assert "intervals do not overlap" in " ".join(result.reasons)


def test_lower_bound_against_small_figure_conflicts() -> None:
    result = verdict(
        "The app has over 300 million users.",
        "The app has fewer than 50 million users.",
    )
    assert_conflict(result, "Numbers differ")


def test_scaled_figures_conflict() -> None:
    assert_conflict(
        verdict(
            "The factory will make more than 800,000 batteries this year.",
            "The factory will make only 200k batteries this year.",
        ),
        "Numbers differ",
    )


def test_strict_qualifier_flip_conflicts() -> None:
    assert_conflict(
        verdict("Maria owns 12 bicycles.", "Maria owns more than 12 bicycles."),
        "Numbers differ",
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The president signed the trade deal.", "The president did not sign the trade deal."),
        ("Germany has banned the pesticide.", "Germany hasn't banned the pesticide."),
        ("Dr. Lee is a member of the board.", "Dr. Lee is not a member of the board."),
    ],
)
def test_negation_on_one_side_conflicts(a: str, b: str) -> None:
    result = verdict(a, b)
    assert_conflict(result, "One side is negated")


def test_negation_reason_quotes_the_phrase() -> None:
    result = verdict("The mayor signed the order.", "The mayor did not sign the order.")
    assert "One side is negated: 'did not sign'" in result.reasons


@pytest.mark.parametrize(
    ("a", "b", "words"),
    [
        (
            "Unemployment in Ohio rose last year.",
            "Unemployment in Ohio fell last year.",
            "rose vs fell",
        ),
        (
            "The Tensor G5 chip outperforms the Apple A18.",
            "The Tensor G5 chip falls short of the Apple A18.",
            "outperforms vs falls",
        ),
        (
            "Exports to Japan increased in May.",
            "Exports to Japan decreased in May.",
            "increased vs decreased",
        ),
    ],
)
def test_opposite_direction_conflicts(a: str, b: str, words: str) -> None:
    result = verdict(a, b)
    assert_conflict(result, f"Opposite direction: {words}")


def test_fraction_as_fast_conflicts_with_faster() -> None:
    result = verdict(
        "The M4 laptop is about 70% as fast as the desktop for rendering.",
        "The M4 laptop is faster than the desktop for rendering.",
    )
    assert_conflict(result, "Opposite direction")


def test_other_target_year_for_the_same_goal_conflicts() -> None:
    result = verdict(
        "The EU aims for 40% renewable power by 2030.",
        "The EU aims for 40% renewable power by 2040.",
    )
    assert_conflict(result, "Different year: 2030 vs 2040")


def test_other_day_for_the_same_event_conflicts() -> None:
    result = verdict(
        "The rocket first flew on 12 April 2019.",
        "The rocket first flew on 30 June 2019.",
    )
    assert_conflict(result, "Different date")


def test_negation_elsewhere_in_a_long_post_is_not_a_conflict() -> None:
    result = verdict(
        "Wow. The city council voted to close three libraries downtown. I can't believe "
        "nobody noticed this, honestly not ok.",
        "The city council voted to close three libraries.",
    )
    assert result.label != "conflict", result.reasons


def test_negative_adverb_counts_as_negation() -> None:
    result = verdict(
        "The reform is widely supported by farmers.", "The reform is barely supported by farmers."
    )
    assert_conflict(result, "One side is negated")


def test_year_against_a_count_in_the_same_slot() -> None:
    assert_conflict(
        verdict(
            "The club was founded in 1921 by miners.", "The club was founded in 5921 by miners."
        ),
        "Numbers differ: 1921 vs 5921",
    )


def test_currency_before_a_bound_word_keeps_its_unit() -> None:
    result = verdict("Tickets cost $ 45 each.", "Tickets cost $ more than 45 each.")
    assert_conflict(result, "Numbers differ")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rents in Lisbon rose 12% in 2023.", "Rents in Lisbon fell 3% in 2023."),
        ("The mayor signed the order.", "The mayor did not sign the order."),
        ("Wheat exports reached 40 million tonnes.", "Wheat exports reached 15 million tonnes."),
    ],
)
def test_verdict_does_not_depend_on_order(a: str, b: str) -> None:
    assert verdict(a, b).label == verdict(b, a).label == "conflict"
