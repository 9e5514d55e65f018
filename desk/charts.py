"""Server-side SVG for the dashboard's charts: bars (stacked or grouped) and lines.

No script and no library: the numbers are also in a table beside each chart, so the SVG is
marked as an image with a short description and screen readers go to the table.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from desk.stats import Chart, Number

WIDTH, PLOT_HEIGHT = 640, 204
LEFT, RIGHT, TOP = 48, 12, 12
# Label text: font size and the width of an average character in it (sans-serif, ~0.6 em).
FONT, CHAR = 10, 6.0
LINE = FONT + 3
LEGEND_ROW = 16
# Colour-blind safe (Okabe-Ito), in order of the series.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000")
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_LABEL = 30


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _num(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value:,.0f}"


def _short(label: str) -> str:
    """An axis label: weeks as "9 Nov", months as "Nov 2026" (the table keeps the full date)."""
    if m := ISO_DAY.match(label):
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        return f"{day.day} {day:%b}"
    if m := ISO_MONTH.match(label):
        return dt.date(int(m[1]), int(m[2]), 1).strftime("%b %Y")
    return label if len(label) <= MAX_LABEL else f"{label[: MAX_LABEL - 1]}…"


def _wrap(label: str, width: float) -> list[str]:
    """Words in lines no wider than ``width`` (a word longer than that has a line alone)."""
    lines: list[str] = []
    for word in label.split():
        if lines and (len(lines[-1]) + 1 + len(word)) * CHAR <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


@dataclass(frozen=True)
class Labels:
    """How the x axis is labelled: level (one or two lines, wrapped) when every label fits
    its bar's slot, otherwise turned upright, and then only every ``every``-th one when the
    slots are narrower than a line of text."""

    texts: list[list[str]]
    upright: bool
    every: int
    height: float

    @classmethod
    def fit(cls, categories: list[str], slot: float) -> Labels:
        short = [_short(c) for c in categories]
        room = slot - 4
        wrapped = [_wrap(label, room) for label in short]
        if all(len(lines) <= 2 and max(map(len, lines)) * CHAR <= room for lines in wrapped):
            lines = max((len(w) for w in wrapped), default=1)
            return cls(texts=wrapped, upright=False, every=1, height=8 + LINE * lines)
        longest = max((len(label) for label in short), default=0)
        return cls(
            texts=[[label] for label in short],
            upright=True,
            every=max(1, math.ceil(LINE / slot)),
            height=10 + longest * CHAR * 0.9,
        )


def _x_labels(labels: Labels, slot: float, parts: list[str]) -> None:
    base = TOP + PLOT_HEIGHT + 6
    for i, lines in enumerate(labels.texts):
        if i % labels.every:
            continue
        x = LEFT + slot * (i + 0.5)
        if labels.upright:
            parts.append(
                f'<text x="{x + FONT / 3:.1f}" y="{base}" font-size="{FONT}" text-anchor="end" '
                f'transform="rotate(-90 {x + FONT / 3:.1f} {base})">{escape(lines[0])}</text>'
            )
            continue
        spans = "".join(
            f'<tspan x="{x:.1f}" dy="{LINE if n else FONT + 2}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{x:.1f}" y="{base}" font-size="{FONT}" text-anchor="middle">{spans}</text>'
        )


def _axes(top: float, parts: list[str]) -> None:
    for i in range(5):
        value = top * i / 4
        y = TOP + PLOT_HEIGHT - PLOT_HEIGHT * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ea"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_num(value)}</text>"
        )


def _legend_rows(chart: Chart) -> list[list[tuple[int, str, float]]]:
    """The series' keys laid out in rows that fit the width: (series, name, x)."""
    rows: list[list[tuple[int, str, float]]] = [[]]
    x = float(LEFT)
    for i, (name, _) in enumerate(chart.series):
        width = 24 + 6.5 * len(name)
        if rows[-1] and x + width > WIDTH - RIGHT:
            rows.append([])
            x = LEFT
        rows[-1].append((i, name, x))
        x += width
    return rows


def _legend(chart: Chart, top: float, parts: list[str]) -> None:
    for r, row in enumerate(_legend_rows(chart)):
        y = top + r * LEGEND_ROW
        for i, name, x in row:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" '
                f'fill="{COLOURS[i % len(COLOURS)]}"/>'
                f'<text x="{x + 14:.1f}" y="{y + 9:.1f}" font-size="11">{escape(name)}</text>'
            )


def _value(v: Number) -> float:
    return float(v) if v is not None else 0.0


def _bars(chart: Chart, parts: list[str]) -> float:
    n = max(1, len(chart.categories))
    stacked = chart.kind == "stacked"
    if stacked:
        peak = max(
            (sum(_value(values[i]) for _, values in chart.series) for i in range(n)), default=0
        )
    else:
        peak = max((_value(v) for _, values in chart.series for v in values), default=0)
    top = _nice_max(peak)
    _axes(top, parts)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    slot = plot_w / n
    bar_w = slot * 0.7 / (1 if stacked else len(chart.series))
    for i, category in enumerate(chart.categories):
        base: float = TOP + plot_h
        for s, (name, values) in enumerate(chart.series):
            v = _value(values[i])
            if not v:
                continue
            h = plot_h * v / top
            x = LEFT + slot * i + slot * 0.15 + (0 if stacked else s * bar_w)
            y = base - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(category)}: '
                f"{escape(name)} {_num(v)}</title></rect>"
            )
            if stacked:
                base = y
    return slot


def _lines(chart: Chart, parts: list[str]) -> float:
    n = max(1, len(chart.categories))
    peak = max((_value(v) for _, values in chart.series for v in values), default=0)
    top = _nice_max(peak)
    _axes(top, parts)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    slot = plot_w / n
    for s, (name, values) in enumerate(chart.series):
        colour = COLOURS[s % len(COLOURS)]
        points = [
            (LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * float(v) / top, v)
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for (x, y, v), category in zip(
            points,
            [c for c, v in zip(chart.categories, values, strict=True) if v is not None],
            strict=True,
        ):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(category)}: {escape(name)} {_num(float(v))}</title></circle>"
            )
    return slot


def svg(chart: Chart) -> SafeString:
    """The chart as an inline SVG element (empty string for an empty chart).

    Its height grows with what the x axis labels need, so long labels never run into the
    legend or each other."""
    if chart.empty:
        return SafeString("")
    parts: list[str] = []
    slot = _lines(chart, parts) if chart.kind == "line" else _bars(chart, parts)
    labels = Labels.fit(chart.categories, slot)
    _x_labels(labels, slot, parts)
    legend_top = TOP + PLOT_HEIGHT + labels.height + 6
    _legend(chart, legend_top, parts)
    height = legend_top + LEGEND_ROW * len(_legend_rows(chart)) + 4
    return mark_safe(  # noqa: S308 - every text in it is escaped
        f'<svg viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart.key}-title" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" class="chart-svg" data-chart="{chart.key}">'
        f"{''.join(parts)}</svg>"
    )


def table(chart: Chart) -> SafeString:
    """The chart's numbers as an HTML table (built here: the template language took most of
    the page's time for a year of weeks)."""
    header, rows = chart.table()
    unit = f" ({escape(chart.unit)})" if chart.unit else ""
    out = [
        f'<table class="grid"><caption class="meta">{escape(chart.title)}{unit}</caption>',
        "<thead><tr>",
        *(f'<th scope="col">{escape(h)}</th>' for h in header),
        "</tr></thead><tbody>",
    ]
    for row in rows:
        first, *rest = row
        cells = "".join(f"<td>{'&#8211;' if v is None else escape(v)}</td>" for v in rest)
        out.append(f'<tr><th scope="row">{escape(first)}</th>{cells}</tr>')
    out.append("</tbody></table>")
    return mark_safe("".join(out))  # noqa: S308 - every text in it is escaped
