"""The figures of the statistics dashboard: each chart is one or a few aggregate queries.

Every figure is counted by the database (``GROUP BY`` with filtered counts), so the number of
queries is fixed whatever the number of claims; Python only lays the rows out on the
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
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Floor, Least, TruncMonth, TruncWeek
from django.utils import timezone

from claims.models import Appearance, Claim, ClaimStatus, Flag, FlagKind, FlagStatus
from reviews.models import Assignment, Rating, Verdict, VerdictState

PERIODS = (4, 12, 52)
DEFAULT_WEEKS = 12
# Statuses in which a claim still waits for the desk.
BACKLOG_STATUSES = (
    ClaimStatus.TRIAGE,
    ClaimStatus.READY,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.AWAITING_APPROVAL,
)
# A claim leaves the backlog the first time it reaches one of these.
CLOSED_STATUSES = (ClaimStatus.PUBLISHED, ClaimStatus.NOT_CHECKABLE, ClaimStatus.MERGED)
# Tags drawn one by one on the tag chart; the rest are added up as "other tags".
TOP_TAGS = 6
SCORE_BUCKETS = 10

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


def claims_by_source_kind(period: Period) -> Chart:
    from sources.models import SourceKind

    rows = list(
        Appearance.objects.filter(claim__created_at__gte=period.start)
        .annotate(week=TruncWeek("claim__created_at"))
        .values("week", "source__kind")
        .annotate(n=Count("claim_id", distinct=True))
        .order_by()
    )
    kinds = [k for k in SourceKind.values if any(r["source__kind"] == k for r in rows)]
    labels = dict(SourceKind.choices)
    series = _layout(rows, period.week_starts, slot="week", group="source__kind", groups=kinds)
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


def claims_by_tag(period: Period) -> Chart:
    through: Any = Claim.tags.through  # an auto-created model: its fields are not typed
    rows = list(
        through.objects.filter(claim__created_at__gte=period.start)
        .annotate(week=TruncWeek("claim__created_at"))
        .values("week", "tag__name")
        .annotate(n=Count("claim_id"))
        .order_by()
    )
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["tag__name"]] = totals.get(row["tag__name"], 0) + row["n"]
    top = sorted(totals, key=lambda t: (-totals[t], t))[:TOP_TAGS]
    for row in rows:
        if row["tag__name"] not in top:
            row["tag__name"] = "other tags"
    groups = top + (["other tags"] if len(totals) > len(top) else [])
    return Chart(
        key="claims-by-tag",
        title="Claims received per week, by tag",
        kind="stacked",
        categories=[_label(d) for d in period.week_starts],
        series=_layout(rows, period.week_starts, slot="week", group="tag__name", groups=groups),
        unit="claims",
        note=f"The {TOP_TAGS} most used tags of the period; a claim with two tags counts in both.",
        empty_message="No tagged claims were received in this period.",
    )


# Backlog -----------------------------------------------------------------------------------


def backlog_today(period: Period) -> Chart:
    counts = dict(
        Claim.objects.filter(status__in=BACKLOG_STATUSES)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
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


def backlog_trend(period: Period) -> Chart:
    """Claims waiting at the end of each week, counted back from today's backlog.

    Waiting at T = waiting now, minus the claims created since T, plus the claims that left
    the backlog since T. A claim leaves the first time its history shows it published, not
    checkable or merged. Counting back touches only the period's rows (by the indexes on the
    creation and history dates), not every claim since the desk began.
    """
    ends = [
        timezone.make_aware(dt.datetime.combine(d + dt.timedelta(weeks=1), dt.time.min))
        for d in period.week_starts
    ]
    ends = [min(end, period.now) for end in ends]
    arrived = Claim.objects.filter(
        Q(status__in=BACKLOG_STATUSES) | Q(created_at__gte=period.start)
    ).aggregate(
        now=Count("pk", filter=Q(status__in=BACKLOG_STATUSES)),
        **{f"w{i}": Count("pk", filter=Q(created_at__gte=end)) for i, end in enumerate(ends)},
    )
    closed_before = Claim.history.filter(
        id=OuterRef("id"), status__in=CLOSED_STATUSES, history_date__lt=period.start
    )
    first_closed = (
        Claim.history.filter(status__in=CLOSED_STATUSES, history_date__gte=period.start)
        .filter(~Exists(closed_before))
        .values("id")
        .annotate(first=Min("history_date"))
        .order_by()
    )
    left = first_closed.aggregate(
        **{f"w{i}": Count("id", filter=Q(first__gte=end)) for i, end in enumerate(ends)}
    )
    waiting_now = arrived["now"] or 0
    values: list[Number] = [
        waiting_now - (arrived[f"w{i}"] or 0) + (left[f"w{i}"] or 0) for i in range(len(ends))
    ]
    return Chart(
        key="backlog-trend",
        title="Backlog at the end of each week",
        kind="line",
        categories=[_label(d) for d in period.week_starts],
        series=[("Claims waiting", values)],
        unit="claims",
        note="Created by the end of the week and not yet published, found not checkable or "
        "merged (this week: now).",
        empty_message="No claims were waiting in this period.",
    )


# Verdicts ----------------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def _hours(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(float(value) / 3600, 1)


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between ranks, as percentile_cont does."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def time_to_verdict(period: Period) -> Chart:
    published = Verdict.objects.filter(
        published_at__isnull=False, published_at__gte=period.month_start
    ).exclude(state=VerdictState.RETRACTED)
    waited = ExpressionWrapper(F("published_at") - F("claim__created_at"), DurationField())
    months = period.month_starts
    index = {m: i for i, m in enumerate(months)}
    median: list[Number] = [None] * len(months)
    p90: list[Number] = [None] * len(months)
    count: list[Any] = [0] * len(months)
    if connection.vendor == "postgresql":
        rows = (
            published.annotate(month=TruncMonth("published_at"), waited=waited)
            .values("month")
            .annotate(
                n=Count("pk"),
                median=Percentile("waited", 0.5, output_field=DurationField()),
                p90=Percentile("waited", 0.9, output_field=DurationField()),
            )
            .order_by()
        )
        for row in rows:
            i = index.get(_day(row["month"]))
            if i is not None:
                median[i], p90[i], count[i] = _hours(row["median"]), _hours(row["p90"]), row["n"]
    else:
        # SQLite has no percentile: the durations of the period, read in one query.
        by_month: dict[int, list[float]] = {}
        for month, at, created in published.annotate(month=TruncMonth("published_at")).values_list(
            "month", "published_at", "claim__created_at"
        ):
            i = index.get(_day(month))
            if i is not None and at is not None:
                by_month.setdefault(i, []).append((at - created).total_seconds())
        for i, seconds in by_month.items():
            median[i] = _hours(_percentile(seconds, 0.5))
            p90[i] = _hours(_percentile(seconds, 0.9))
            count[i] = len(seconds)
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


def verdicts_by_rating(period: Period) -> Chart:
    counts = dict(
        Verdict.objects.filter(state=VerdictState.PUBLISHED, published_at__gte=period.start)
        .values_list("rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
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


def corrections_per_month(period: Period) -> Chart:
    history = Verdict.history.filter(history_date__gte=period.month_start)
    counts = (
        history.annotate(month=TruncMonth("history_date"))
        .values("month")
        .annotate(
            corrections=Count("pk", filter=Q(history_change_reason__startswith="Correction")),
            retractions=Count("pk", filter=Q(history_change_reason__startswith="Retracted")),
        )
        .filter(Q(corrections__gt=0) | Q(retractions__gt=0))
        .order_by()
    )
    rows = list(counts)
    months = period.month_starts
    index = {m: i for i, m in enumerate(months)}
    corrections = [0] * len(months)
    retractions = [0] * len(months)
    for row in rows:
        i = index.get(_day(row["month"]))
        if i is not None:
            corrections[i] += row["corrections"]
            retractions[i] += row["retractions"]
    return Chart(
        key="corrections",
        title="Corrections and retractions per month",
        kind="bars",
        categories=[_month_label(m) for m in months],
        series=[("Corrections", list(corrections)), ("Retractions", list(retractions))],
        unit="verdicts",
        empty_message="No correction or retraction in this period.",
    )


# Flags -------------------------------------------------------------------------------------


def flags_per_week(period: Period) -> Chart:
    rows = list(
        Flag.objects.filter(created_at__gte=period.start)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = dict(FlagKind.choices)
    series = _layout(rows, period.week_starts, slot="week", group="kind", groups=FlagKind.values)
    return Chart(
        key="flags-per-week",
        title="Flags raised per week, by kind",
        kind="stacked",
        categories=[_label(d) for d in period.week_starts],
        series=[(str(labels[k]), v) for k, v in series],
        unit="flags",
        empty_message="No flag was raised in this period.",
    )


def flag_decisions(period: Period) -> Chart:
    """Confirmed and dismissed flags per kind, method and score bucket: what
    ``matching_report`` prints, for flags raised in the period."""
    bucket = Least(
        Floor(F("score") * Value(float(SCORE_BUCKETS), output_field=FloatField()) + 1e-9),
        Value(float(SCORE_BUCKETS - 1), output_field=FloatField()),
    )
    rows = list(
        Flag.objects.filter(created_at__gte=period.start)
        .annotate(bucket=bucket)
        .values("kind", "method", "bucket")
        .annotate(
            confirmed=Count("pk", filter=Q(status=FlagStatus.CONFIRMED)),
            dismissed=Count("pk", filter=Q(status=FlagStatus.DISMISSED)),
            open=Count("pk", filter=Q(status=FlagStatus.OPEN)),
        )
        .order_by("kind", "method", "bucket")
    )
    categories, confirmed, dismissed, still_open, share = [], [], [], [], []
    for row in rows:
        low = int(row["bucket"]) / SCORE_BUCKETS
        categories.append(f"{row['kind']} {row['method']} {low:.1f}-{low + 1 / SCORE_BUCKETS:.1f}")
        confirmed.append(row["confirmed"])
        dismissed.append(row["dismissed"])
        still_open.append(row["open"])
        decided = row["confirmed"] + row["dismissed"]
        share.append(f"{100 * row['confirmed'] / decided:.0f}%" if decided else "")
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


def checker_activity(period: Period, *, only: User | None = None) -> Chart:
    """Per checker: claims taken, verdicts submitted, returned to them and published."""
    taken_q = Assignment.objects.filter(created_at__gte=period.start)
    history_q = Verdict.history.filter(history_date__gte=period.start, author__isnull=False)
    published_q = Verdict.objects.filter(published_at__gte=period.start, author__isnull=False)
    if only is not None:
        taken_q = taken_q.filter(reviewer=only)
        history_q = history_q.filter(author_id=only.pk)
        published_q = published_q.filter(author=only)
    people: dict[int, dict[str, Any]] = {}

    def person(pk: int, name: str) -> dict[str, Any]:
        return people.setdefault(
            pk, {"name": name, "taken": 0, "submitted": 0, "returned": 0, "published": 0}
        )

    for pk, name, n in (
        taken_q.values_list("reviewer_id", "reviewer__username").annotate(n=Count("pk")).order_by()
    ):
        person(pk, name)["taken"] = n
    for pk, name, submitted, returned in (
        history_q.values_list("author_id", "author__username")
        .annotate(
            submitted=Count("pk", filter=Q(history_change_reason="Submitted for approval")),
            returned=Count("pk", filter=Q(history_change_reason__startswith="Returned to checker")),
        )
        .order_by()
    ):
        person(pk, name).update(submitted=submitted, returned=returned)
    for pk, name, n in (
        published_q.values_list("author_id", "author__username").annotate(n=Count("pk")).order_by()
    ):
        person(pk, name)["published"] = n
    people = {pk: p for pk, p in people.items() if any(p[k] for k in p if k != "name")}
    order = sorted(people, key=lambda pk: people[pk]["name"])
    return Chart(
        key="checkers",
        title="Each checker's work" if only is None else "Your work",
        kind="bars",
        categories=[people[pk]["name"] for pk in order],
        series=[
            (label, [people[pk][k] for pk in order])
            for k, label in (
                ("taken", "Claims taken"),
                ("submitted", "Verdicts submitted"),
                ("returned", "Returned"),
                ("published", "Published"),
            )
        ],
        unit="",
        note="Assignments made in the period; verdicts submitted, returned to their author and "
        "published in the period.",
        empty_message="No checker's work in this period.",
    )


EDITOR_CHARTS: dict[str, Callable[[Period], Chart]] = {
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


# Figures may be this many seconds old: a dashboard is read many times a morning, and each
# chart reads every claim of its period. 0 turns the cache off (the tests' setting).
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
    if not editor:
        # A fact-checker's own line only, cached under their id.
        return {f"checkers-{viewer.pk}": lambda: checker_activity(period, only=viewer)}
    return {
        key: functools.partial(build, period)
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
