"""The charts of the statistics dashboard, laid out from the summary table.

The figures come from ``desk.stats_summary`` (weekly and monthly counts kept in
``StatsFigure``, counted again only where the data changed), so a page reads a fixed number of
small queries whatever the number of claims; this module only lays the rows out on the
period's weeks or months. A chart's ``series`` hold one value per category, zeros included,
so its table and CSV show the empty weeks too.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from claims.models import ClaimStatus, FlagKind, FlagStatus
from desk.models import StatsMetric
from desk.stats_summary import BACKLOG_STATUSES, SCORE_BUCKETS, Figures, load
from reviews.models import Rating

PERIODS = (4, 12, 52)
DEFAULT_WEEKS = 12
# Tags drawn one by one on the tag chart; the rest are added up as "other tags".
TOP_TAGS = 6
Number = float | int | None


@dataclass(frozen=True)
class Period:
    """The last ``weeks`` weeks, whole weeks from Monday 00:00 (in the desk's time zone)."""

    weeks: int
    now: dt.datetime

    @classmethod
    def last(cls, weeks: int, now: dt.datetime | None = None) -> Period:
        return cls(weeks=weeks, now=now or timezone.now())

    @property
    def start(self) -> dt.datetime:
        today = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(weeks=self.weeks - 1)

    @property
    def week_starts(self) -> list[dt.date]:
        first = self.start.date()
        return [first + dt.timedelta(weeks=i) for i in range(self.weeks)]

    @property
    def month_starts(self) -> list[dt.date]:
        first = self.start.date().replace(day=1)
        last = timezone.localtime(self.now).date().replace(day=1)
        months = []
        while first <= last:
            months.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
        return months

    @property
    def month_start(self) -> dt.datetime:
        return self.start.replace(day=1)


@dataclass
class Chart:
    """One chart: categories along the x axis and one or more series of values."""

    key: str
    title: str
    kind: str  # "stacked" bars, grouped "bars", or "line"
    categories: list[str]
    series: list[tuple[str, list[Number]]]
    unit: str = ""
    note: str = ""
    empty_message: str = "Nothing in this period."
    extra_columns: list[tuple[str, list[Any]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(v for _, values in self.series for v in values)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of the chart's table (and CSV): one row per category."""
        header = ["", *(name for name, _ in self.series), *(n for n, _ in self.extra_columns)]
        rows = [
            [
                category,
                *(values[i] for _, values in self.series),
                *(values[i] for _, values in self.extra_columns),
            ]
            for i, category in enumerate(self.categories)
        ]
        return header, rows


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value  # type: ignore[no-any-return,unused-ignore]


def _label(day: dt.date) -> str:
    return day.isoformat()


def _month_label(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _layout(
    rows: Iterable[dict[str, Any]],
    slots: list[dt.date],
    *,
    slot: str,
    group: str,
    groups: list[str],
    value: str = "n",
) -> list[tuple[str, list[Number]]]:
    """Spread ``(slot, group, value)`` rows on the slots: one series per group."""
    index = {day: i for i, day in enumerate(slots)}
    values: dict[str, list[Number]] = {g: [0] * len(slots) for g in groups}
    for row in rows:
        day = _day(row[slot])
        g = str(row[group])
        if day in index and g in values:
            values[g][index[day]] = (values[g][index[day]] or 0) + row[value]
    return [(g, values[g]) for g in groups]


# Claims received -------------------------------------------------------------------------


def _in_period(
    period: Period, figures: Figures, metric: str, *, monthly: bool = False
) -> list[tuple[dt.date, str, int, float | None]]:
    since = period.month_start.date() if monthly else period.start.date()
    return [row for row in figures.of(metric) if row[0] >= since]


def _spread(
    period: Period, rows: Iterable[tuple[dt.date, str, int, Any]], groups: list[str]
) -> list[tuple[str, list[Number]]]:
    """Weekly ``(week, group, n)`` rows on the period's weeks: one series per group."""
    return _layout(
        ({"week": week, "group": key, "n": n} for week, key, n, _ in rows),
        period.week_starts,
        slot="week",
        group="group",
        groups=groups,
    )


def claims_by_source_kind(period: Period, figures: Figures) -> Chart:
    from sources.models import SourceKind

    rows = _in_period(period, figures, StatsMetric.CLAIMS_BY_SOURCE_KIND)
    kinds = [k for k in SourceKind.values if any(r[1] == k for r in rows)]
    labels = dict(SourceKind.choices)
    series = _spread(period, rows, kinds)
    return Chart(
        key="claims-by-source",
        title="Claims received per week, by kind of source",
        kind="stacked",
        categories=[_label(d) for d in period.week_starts],
        series=[(str(labels.get(k, k)), v) for k, v in series],
        unit="claims",
        note="A claim is counted in the week it was created, once per kind of source it "
        "appeared in.",
        empty_message="No claims were received in this period.",
    )


def claims_by_tag(period: Period, figures: Figures) -> Chart:
    names = figures.tag_names
    rows = [
        (week, names.get(key, key), n, None)
        for week, key, n, _ in _in_period(period, figures, StatsMetric.CLAIMS_BY_TAG)
    ]
    totals: dict[str, int] = {}
    for _, name, n, _ in rows:
        totals[name] = totals.get(name, 0) + n
    top = sorted(totals, key=lambda t: (-totals[t], t))[:TOP_TAGS]
    rows = [(week, name if name in top else "other tags", n, None) for week, name, n, _ in rows]
    groups = top + (["other tags"] if len(totals) > len(top) else [])
    return Chart(
        key="claims-by-tag",
        title="Claims received per week, by tag",
        kind="stacked",
        categories=[_label(d) for d in period.week_starts],
        series=_spread(period, rows, groups),
        unit="claims",
        note=f"The {TOP_TAGS} most used tags of the period; a claim with two tags counts in both.",
        empty_message="No tagged claims were received in this period.",
    )


# Backlog -----------------------------------------------------------------------------------


def backlog_today(period: Period, figures: Figures) -> Chart:
    counts: dict[str, int] = {}
    for _, status, n, _ in figures.of(StatsMetric.CLAIMS_BY_STATUS):
        counts[status] = counts.get(status, 0) + n
    labels = dict(ClaimStatus.choices)
    return Chart(
        key="backlog-today",
        title="Backlog by status today",
        kind="bars",
        categories=[str(labels[s]) for s in BACKLOG_STATUSES],
        series=[("Claims", [counts.get(s, 0) for s in BACKLOG_STATUSES])],
        unit="claims",
        empty_message="The backlog is empty.",
    )


def backlog_trend(period: Period, figures: Figures) -> Chart:
    """Claims waiting at the end of each week, from the claims' history: the sum of the
    backlog's weekly changes up to that week (``stats_summary._backlog``)."""
    changes = sorted((week, n) for week, _, n, _ in figures.of(StatsMetric.BACKLOG_CHANGE))
    values: list[Number] = []
    waiting, i = 0, 0
    for start in period.week_starts:
        while i < len(changes) and changes[i][0] <= start:
            waiting += changes[i][1]
            i += 1
        values.append(waiting)
    return Chart(
        key="backlog-trend",
        title="Backlog at the end of each week",
        kind="line",
        categories=[_label(d) for d in period.week_starts],
        series=[("Claims waiting", values)],
        unit="claims",
        note="Claims whose history shows them in triage, ready, in review or awaiting approval "
        "at the end of the week (this week: now); a claim reopened counts again.",
        empty_message="No claims were waiting in this period.",
    )


# Verdicts ----------------------------------------------------------------------------------


def time_to_verdict(period: Period, figures: Figures) -> Chart:
    months = period.month_starts
    index = {m: i for i, m in enumerate(months)}
    median: list[Number] = [None] * len(months)
    p90: list[Number] = [None] * len(months)
    count: list[Any] = [0] * len(months)
    for month, key, n, value in _in_period(
        period, figures, StatsMetric.TIME_TO_VERDICT, monthly=True
    ):
        i = index.get(month)
        if i is None:
            continue
        count[i] = n
        if key == "median":
            median[i] = value
        else:
            p90[i] = value
    return Chart(
        key="time-to-verdict",
        title="Time from claim to published verdict, per month",
        kind="line",
        categories=[_month_label(m) for m in months],
        series=[("Median (hours)", median), ("90th percentile (hours)", p90)],
        unit="hours",
        note="From the claim's creation to the first publication of its verdict, by month of "
        "publication; retracted verdicts left out.",
        empty_message="No verdict was published in this period.",
        extra_columns=[("Verdicts", count)],
    )


def verdicts_by_rating(period: Period, figures: Figures) -> Chart:
    counts: dict[str, int] = {}
    for _, rating, n, _ in _in_period(period, figures, StatsMetric.RATINGS):
        counts[rating] = counts.get(rating, 0) + n
    return Chart(
        key="verdicts-by-rating",
        title="Published verdicts by rating",
        kind="bars",
        categories=[str(label) for _, label in Rating.choices],
        series=[("Verdicts", [counts.get(value, 0) for value in Rating.values])],
        unit="verdicts",
        note="Verdicts published in the period and not retracted, by their current rating.",
        empty_message="No verdict was published in this period.",
    )


def corrections_per_month(period: Period, figures: Figures) -> Chart:
    months = period.month_starts
    index = {m: i for i, m in enumerate(months)}
    found = {"corrections": [0] * len(months), "retractions": [0] * len(months)}
    for month, key, n, _ in _in_period(period, figures, StatsMetric.CORRECTIONS, monthly=True):
        if month in index and key in found:
            found[key][index[month]] += n
    return Chart(
        key="corrections",
        title="Corrections and retractions per month",
        kind="bars",
        categories=[_month_label(m) for m in months],
        series=[
            ("Corrections", list(found["corrections"])),
            ("Retractions", list(found["retractions"])),
        ],
        unit="verdicts",
        empty_message="No correction or retraction in this period.",
    )


# Flags -------------------------------------------------------------------------------------


def _flag_rows(period: Period, figures: Figures) -> list[tuple[dt.date, list[str], int]]:
    return [
        (week, key.split("|"), n)
        for week, key, n, _ in _in_period(period, figures, StatsMetric.FLAGS)
    ]


def flags_per_week(period: Period, figures: Figures) -> Chart:
    rows = [(week, parts[0], n, None) for week, parts, n in _flag_rows(period, figures)]
    labels = dict(FlagKind.choices)
    series = _spread(period, rows, FlagKind.values)
    return Chart(
        key="flags-per-week",
        title="Flags raised per week, by kind",
        kind="stacked",
        categories=[_label(d) for d in period.week_starts],
        series=[(str(labels[k]), v) for k, v in series],
        unit="flags",
        empty_message="No flag was raised in this period.",
    )


def flag_decisions(period: Period, figures: Figures) -> Chart:
    """Confirmed and dismissed flags per kind, method and score bucket: what
    ``matching_report`` prints, for flags raised in the period."""
    groups: dict[tuple[str, str, int], dict[str, int]] = {}
    for _, (kind, method, bucket, status), n in _flag_rows(period, figures):
        counts = groups.setdefault((kind, method, int(bucket)), dict.fromkeys(FlagStatus.values, 0))
        counts[status] = counts.get(status, 0) + n
    categories: list[str] = []
    confirmed: list[Number] = []
    dismissed: list[Number] = []
    still_open: list[Any] = []
    share: list[Any] = []
    for (kind, method, number), counts in sorted(groups.items()):
        low = number / SCORE_BUCKETS
        categories.append(f"{kind} {method} {low:.1f}-{low + 1 / SCORE_BUCKETS:.1f}")
        confirmed.append(counts[FlagStatus.CONFIRMED])
        dismissed.append(counts[FlagStatus.DISMISSED])
        still_open.append(counts[FlagStatus.OPEN])
        decided = counts[FlagStatus.CONFIRMED] + counts[FlagStatus.DISMISSED]
        share.append(f"{100 * counts[FlagStatus.CONFIRMED] / decided:.0f}%" if decided else "")
    return Chart(
        key="flag-decisions",
        title="Editors' decisions on flags, by kind, method and score",
        kind="stacked",
        categories=categories,
        series=[("Confirmed", confirmed), ("Dismissed", dismissed)],
        unit="flags",
        note="Flags raised in the period; the share is confirmed over decided (the precision "
        "editors saw), as python manage.py matching_report prints it.",
        empty_message="No flag was decided in this period.",
        extra_columns=[("Still open", still_open), ("Confirmed share", share)],
    )


# Checkers ----------------------------------------------------------------------------------

CHECKER_COLUMNS = (
    (StatsMetric.TAKEN, "Claims taken"),
    (StatsMetric.SUBMITTED, "Verdicts submitted"),
    (StatsMetric.RETURNED, "Returned"),
    (StatsMetric.PUBLISHED, "Published"),
)


def checker_activity(period: Period, figures: Figures, *, only: User | None = None) -> Chart:
    """Per checker: claims taken, verdicts submitted, returned to them and published."""
    people: dict[str, dict[str, int]] = {}
    for metric, _ in CHECKER_COLUMNS:
        for _, key, n, _ in _in_period(period, figures, metric):
            if only is None or key == str(only.pk):
                person = people.setdefault(key, dict.fromkeys([m for m, _ in CHECKER_COLUMNS], 0))
                person[metric] += n
    names = {str(only.pk): only.username} if only is not None else figures.user_names
    order = sorted(people, key=lambda pk: names.get(pk, pk))
    return Chart(
        key="checkers",
        title="Each checker's work" if only is None else "Your work",
        kind="bars",
        categories=[names.get(pk, pk) for pk in order],
        series=[(label, [people[pk][metric] for pk in order]) for metric, label in CHECKER_COLUMNS],
        unit="",
        note="Assignments made in the period; verdicts submitted, returned to their author and "
        "published in the period.",
        empty_message="No checker's work in this period.",
    )


EDITOR_CHARTS: dict[str, Callable[[Period, Figures], Chart]] = {
    "claims-by-source": claims_by_source_kind,
    "claims-by-tag": claims_by_tag,
    "backlog-today": backlog_today,
    "backlog-trend": backlog_trend,
    "time-to-verdict": time_to_verdict,
    "verdicts-by-rating": verdicts_by_rating,
    "corrections": corrections_per_month,
    "flags-per-week": flags_per_week,
    "flag-decisions": flag_decisions,
    "checkers": checker_activity,
}


# Figures may be this many seconds old: a dashboard is read many times a morning. The summary
# makes a page cheap without it; the cache still spares the lay-out. 0 turns it off (the
# tests' setting).
DEFAULT_CACHE_SECONDS = 60


def _cached(builds: dict[str, Callable[[], Chart]], period: Period) -> list[Chart]:
    """The charts, from the cache when fresh (one round trip for all), built otherwise."""
    seconds = getattr(settings, "DESK_STATS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    if not seconds:
        return [build() for build in builds.values()]
    # The database's name in the key: a benchmark's or a test's database shares the cache.
    where = connection.settings_dict["NAME"]
    keys = {
        name: f"desk-stats:{where}:{name}:{period.weeks}:{period.start.date()}" for name in builds
    }
    found = cache.get_many(list(keys.values()))
    charts, missing = [], {}
    for name, build in builds.items():
        chart = found.get(keys[name])
        if not isinstance(chart, Chart):
            chart = missing[keys[name]] = build()
        charts.append(chart)
    if missing:
        cache.set_many(missing, seconds)
    return charts


def _builds(
    period: Period, *, viewer: User, editor: bool, only: str | None = None
) -> dict[str, Callable[[], Chart]]:
    # Read once, and only when a chart is not in the cache.
    @functools.cache
    def figures() -> Figures:
        return load(since=period.month_start.date(), viewer_id=None if editor else viewer.pk)

    if not editor:
        # A fact-checker's own line only, cached under their id.
        return {f"checkers-{viewer.pk}": lambda: checker_activity(period, figures(), only=viewer)}
    return {
        key: functools.partial(lambda build: build(period, figures()), build)
        for key, build in EDITOR_CHARTS.items()
        if only is None or key == only
    }


def dashboard(period: Period, *, viewer: User, editor: bool) -> list[Chart]:
    """The charts a viewer may see: all for editors, their own work for a fact-checker."""
    return _cached(_builds(period, viewer=viewer, editor=editor), period)


def one_chart(key: str, period: Period, *, viewer: User, editor: bool) -> Chart | None:
    """One chart (for its CSV), or None when it does not exist or is not the viewer's."""
    if key not in EDITOR_CHARTS or (not editor and key != "checkers"):
        return None
    return _cached(_builds(period, viewer=viewer, editor=editor, only=key), period)[0]
