"""Server-side SVG for the dashboard's charts: bars (stacked or grouped) and lines.

No script and no library: the numbers are also in a table beside each chart, so the SVG is
marked as an image with a short description and screen readers go to the table.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from desk.stats import Chart, Number

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 64
# Colour-blind safe (Okabe-Ito), in order of the series.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000")


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


def _axes(top: float, parts: list[str]) -> None:
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ea"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_num(value)}</text>"
        )


def _x_labels(categories: list[str], slot: float, parts: list[str]) -> None:
    every = max(1, math.ceil(len(categories) / 14))
    base = HEIGHT - BOTTOM + 14
    for i, label in enumerate(categories):
        if i % every:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{base}" font-size="10" text-anchor="end" '
            f'transform="rotate(-35 {x:.1f} {base})">{escape(label[:24])}</text>'
        )


def _legend(chart: Chart, parts: list[str]) -> None:
    x = LEFT
    for i, (name, _) in enumerate(chart.series):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)


def _value(v: Number) -> float:
    return float(v) if v is not None else 0.0


def _bars(chart: Chart, parts: list[str]) -> None:
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
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
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
    _x_labels(chart.categories, slot, parts)


def _lines(chart: Chart, parts: list[str]) -> None:
    n = max(1, len(chart.categories))
    peak = max((_value(v) for _, values in chart.series for v in values), default=0)
    top = _nice_max(peak)
    _axes(top, parts)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
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
    _x_labels(chart.categories, slot, parts)


def svg(chart: Chart) -> SafeString:
    """The chart as an inline SVG element (empty string for an empty chart)."""
    if chart.empty:
        return SafeString("")
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart.key}-title" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        f'class="chart-svg" data-chart="{chart.key}">'
    ]
    if chart.kind == "line":
        _lines(chart, parts)
    else:
        _bars(chart, parts)
    _legend(chart, parts)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped


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
