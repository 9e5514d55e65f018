"""Quantity extraction: scale words, units and the intervals implied by qualifiers."""

import math

import pytest

from claims.engine import Quantity, analyze
from claims.engine.quantities import parse_dates, parse_quantities


def one(text: str) -> Quantity:
    found = parse_quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sales hit 2.5 million units", 2_500_000),
        ("a budget of $3bn", 3e9),
        ("3 bn dollars", 3e9),
        ("about 40k fans", 40_000),
        ("1.2 trillion yen", 1.2e12),
        ("12 thousand jobs", 12_000),
        ("1,250,000 voters", 1_250_000),
        ("revenue of 1.6m euros", 1_600_000),
    ],
)
def test_scale_words_multiply_the_value(text: str, value: float) -> None:
    assert one(text).value == pytest.approx(value)


@pytest.mark.parametrize("text", ["grew 7%", "grew 7 percent", "grew 7 per cent", "grew 7 pct"])
def test_percent_spellings_share_one_unit(text: str) -> None:
    q = one(text)
    assert q.value == 7
    assert q.unit == "%"


def test_about_gives_a_ten_percent_band() -> None:
    q = one("about 60% of the budget")
    assert (q.low, q.high) == pytest.approx((54, 66))
    assert q.raw == "about 60%"


def test_tilde_is_approximate() -> None:
    q = one("~60% of the budget")
    assert q.low < 60 < q.high


def test_over_is_an_open_lower_bound() -> None:
    q = one("over 800,000 chips")
    assert q.low == 800_000
    assert math.isinf(q.high)
    assert q.low_open
    assert q.unit == "chip"


def test_at_least_is_a_closed_lower_bound() -> None:
    q = one("at least 12 ministers")
    assert (q.low, q.low_open) == (12, False)
    assert math.isinf(q.high)


def test_up_to_is_a_closed_upper_bound() -> None:
    q = one("up to 30 days")
    assert (q.low, q.high, q.high_open) == (0, 30, False)


def test_fewer_than_is_an_open_upper_bound() -> None:
    q = one("fewer than 50 million users")
    assert q.high == 50e6
    assert q.high_open


def test_nearly_sits_just_below_the_figure() -> None:
    q = one("nearly 90 percent of voters")
    assert q.low < q.high == 90


def test_or_more_and_plus_are_lower_bounds() -> None:
    assert math.isinf(one("5 or more cats").high)
    assert math.isinf(one("300+ people").high)


def test_strict_bound_excludes_its_own_figure() -> None:
    exact = one("the team has 10 engineers")
    more = one("the team has more than 10 engineers")
    assert not exact.overlaps(more)
    assert more.overlaps(one("the team has 12 engineers"))


def test_approximate_figure_contains_a_precise_one() -> None:
    assert one("about 60% of GDP").overlaps(one("58% of GDP"))
    assert not one("about 60% of GDP").overlaps(one("90% of GDP"))


def test_model_codes_and_years_are_not_quantities() -> None:
    f = analyze("The H100 and the 910C shipped in 2023.")
    assert f.quantities == ()
    assert f.years == (2023,)


def test_product_name_number_is_a_subject_not_a_figure() -> None:
    f = analyze("The CloudMatrix 384 system was shown in Shanghai.")
    assert f.quantities == ()
    assert "384" in f.subject_terms


def test_counted_noun_after_four_digits_is_a_quantity() -> None:
    f = analyze("The firm hired 2000 workers.")
    assert [q.value for q in f.quantities] == [2000]
    assert f.years == ()


def test_dates_are_parsed_and_not_counted() -> None:
    dates = parse_dates("It launched on March 3rd, 2021 and again on 4 May 2022.")
    assert [d.iso for d in dates] == ["2021-03-03", "2022-05-04"]
    f = analyze("It launched on March 3rd, 2021.")
    assert f.quantities == ()
    assert f.dates == ("2021-03-03",)
    assert f.years == (2021,)
