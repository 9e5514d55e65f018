"""The dashboard's SVG charts: x axis labels never overlap each other or the legend, however
many bars and however long their names."""

from __future__ import annotations

import re

from desk import charts
from desk.stats import Chart, Period

DECISIONS = [
    f"{kind} {method} {b / 10:.1f}-{(b + 1) / 10:.1f}"
    for kind in ("conflict", "repeat")
    for method in ("lexical", "semantic", "verdict")
    for b in range(5, 10)
]


def draw(categories: list[str], series: int = 2) -> str:
    chart = Chart(
        key="t",
        title="Test",
        kind="stacked",
        categories=categories,
        series=[(f"series {s}", [i + 1 for i in range(len(categories))]) for s in range(series)],
    )
    return str(charts.svg(chart))


def labels(svg: str) -> list[str]:
    return re.findall(r'font-size="10"[^>]*>(?:<tspan[^>]*>)?([^<]+)<', svg)


def height(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 \d+ (\d+)"', svg)[1])  # type: ignore[index]


def legend_top(svg: str) -> float:
    return min(float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="10"', svg))


def test_many_long_labels_stand_upright_all_shown_above_the_legend():
    svg = draw(DECISIONS)
    assert labels(svg) == DECISIONS  # every bar keeps its name: none thinned out
    assert svg.count('transform="rotate(-90') == len(DECISIONS)
    longest = max(map(len, DECISIONS))
    band = legend_top(svg) - (charts.TOP + charts.PLOT_HEIGHT)
    assert band >= longest * charts.CHAR * 0.9
    assert height(svg) > legend_top(svg)


def test_a_year_of_weeks_is_labelled_every_other_week():
    weeks = [d.isoformat() for d in Period.last(52).week_starts]
    shown = labels(draw(weeks))
    # 52 slots of 11 px: a line of text needs 13, so every second week is named, as "9 Nov".
    assert len(shown) == 26
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", label) for label in shown)


def test_few_bars_keep_level_labels_wrapped_in_their_slot():
    svg = draw(["Triage", "Ready for review", "In review", "Awaiting approval"])
    assert "rotate" not in svg
    assert labels(svg)[:2] == ["Triage", "Ready for review"]


def test_a_long_legend_wraps_into_rows():
    svg = draw(DECISIONS[:3], series=12)
    rows = set(re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="10"', svg))
    assert len(rows) >= 2
    assert all(float(x) <= charts.WIDTH for x in re.findall(r'<rect x="([\d.]+)"', svg))
