"""The dashboard's summary table: counting weeks and months into ``StatsFigure``, and reading it.

A refresh counts again only the weeks and months that ``StatsChange`` rows name (written by
the triggers of migration ``desk.0001`` in the transaction of each write), with the same
aggregate queries the dashboard used to run on every request, restricted to those periods.
Reading the dashboard is then one query on a table of a few rows per week, whatever the
number of claims. SQLite (development) has no triggers: there every refresh counts
everything, which a development desk affords.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor, Least, TruncMonth, TruncWeek
from django.utils import timezone

from claims.models import Appearance, Claim, ClaimStatus, Flag, Tag
from desk.models import StatsChange, StatsFigure, StatsMetric
from reviews.models import Assignment, Verdict, VerdictState

# Statuses in which a claim still waits for the desk.
BACKLOG_STATUSES = (
    ClaimStatus.TRIAGE,
    ClaimStatus.READY,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.AWAITING_APPROVAL,
)
SCORE_BUCKETS = 10
MONTHLY = frozenset({StatsMetric.TIME_TO_VERDICT, StatsMetric.CORRECTIONS})
WEEKLY = frozenset(StatsMetric.values) - MONTHLY
# Read over every week since the desk began, not only the period's.
CUMULATIVE = frozenset({StatsMetric.CLAIMS_BY_STATUS, StatsMetric.BACKLOG_CHANGE})
CHECKER_METRICS = (
    StatsMetric.TAKEN,
    StatsMetric.SUBMITTED,
    StatsMetric.RETURNED,
    StatsMetric.PUBLISHED,
)
# Refreshes take turns: two counting the same week would insert its rows twice.
REFRESH_LOCK = 0x5DE5C_57A7
INSERT_BATCH = 2000

Row = tuple[str, dt.date, str, int, float | None]  # metric, period, key, n, value


def local_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value  # type: ignore[no-any-return,unused-ignore]


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Spans:
    """The weeks and months to count again; ``None`` means all of them."""

    weeks: frozenset[dt.date] | None
    months: frozenset[dt.date] | None

    @classmethod
    def of(cls, moments: Iterable[dt.datetime | None]) -> Spans:
        days = set()
        for at in moments:
            if at is None:
                return cls(weeks=None, months=None)
            days.add(local_day(at))
        return cls(
            weeks=frozenset(week_of(d) for d in days), months=frozenset(month_of(d) for d in days)
        )

    def within(self, field: str, *, monthly: bool = False) -> Q:
        """A filter keeping the rows whose ``field`` falls in one of the spans."""
        starts = self.months if monthly else self.weeks
        if starts is None:
            return Q()
        q = Q(pk__in=[])
        for start, end in _runs(sorted(starts), monthly=monthly):
            q |= Q(**{f"{field}__gte": midnight(start), f"{field}__lt": midnight(end)})
        return q


def _next(start: dt.date, *, monthly: bool) -> dt.date:
    if monthly:
        return month_of(start + dt.timedelta(days=32))
    return start + dt.timedelta(weeks=1)


def _runs(starts: list[dt.date], *, monthly: bool) -> Iterator[tuple[dt.date, dt.date]]:
    """Consecutive periods joined into one range each: a year's rebuild is one condition."""
    run_start: dt.date | None = None
    end = dt.date.min
    for start in starts:
        if run_start is None:
            run_start = start
        elif start != end:
            yield run_start, end
            run_start = start
        end = _next(start, monthly=monthly)
    if run_start is not None:
        yield run_start, end


# Counting ----------------------------------------------------------------------------------


def _weekly(
    rows: Iterable[dict[str, Any]], metric: str, key: Callable[[dict[str, Any]], str]
) -> Iterator[Row]:
    for row in rows:
        if row["n"]:
            yield metric, local_day(row["week"]), key(row), row["n"], None


def _claims(spans: Spans) -> Iterator[Row]:
    by_kind = (
        Appearance.objects.filter(spans.within("claim__created_at"))
        .annotate(week=TruncWeek("claim__created_at"))
        .values("week", "source__kind")
        .annotate(n=Count("claim_id", distinct=True))
        .order_by()
    )
    yield from _weekly(by_kind, StatsMetric.CLAIMS_BY_SOURCE_KIND, lambda r: r["source__kind"])
    through: Any = Claim.tags.through  # an auto-created model: its fields are not typed
    by_tag = (
        through.objects.filter(spans.within("claim__created_at"))
        .annotate(week=TruncWeek("claim__created_at"))
        .values("week", "tag_id")
        .annotate(n=Count("claim_id"))
        .order_by()
    )
    yield from _weekly(by_tag, StatsMetric.CLAIMS_BY_TAG, lambda r: str(r["tag_id"]))
    by_status = (
        Claim.objects.filter(spans.within("created_at"))
        .annotate(week=TruncWeek("created_at"))
        .values("week", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    yield from _weekly(by_status, StatsMetric.CLAIMS_BY_STATUS, lambda r: r["status"])


def _waiting() -> Case:
    """1 when a history row leaves its claim in the backlog, else 0 (a deletion included)."""
    return Case(
        When(Q(status__in=BACKLOG_STATUSES) & ~Q(history_type="-"), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _backlog(spans: Spans) -> Iterator[Row]:
    """The backlog's net change per week, from the claims' history.

    Each history row adds its claim's membership of the backlog and takes away that of the
    claim's previous row; over a week this sums to (waiting at its end) minus (waiting at its
    start), so the backlog at the end of a week is the sum of the changes up to it.
    """
    history = Claim.history.model
    previous = (
        history.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .annotate(waiting=_waiting())
        .values("waiting")[:1]
    )
    rows = (
        history.objects.filter(spans.within("history_date"))
        .annotate(
            week=TruncWeek("history_date"),
            change=_waiting() - Coalesce(Subquery(previous), Value(0)),
        )
        .values("week")
        .annotate(n=Sum("change"))
        .order_by()
    )
    yield from _weekly(rows, StatsMetric.BACKLOG_CHANGE, lambda r: "")


def _counted(rows: QuerySet[Any], when: str, *by: str) -> QuerySet[Any]:
    """``rows`` counted (``n``) per week of the ``when`` field and values of the ``by`` fields."""
    return (
        rows.annotate(week=TruncWeek(when)).values("week", *by).annotate(n=Count("pk")).order_by()
    )


def _flags(spans: Spans) -> Iterator[Row]:
    bucket = Least(
        Floor(F("score") * Value(float(SCORE_BUCKETS), output_field=FloatField()) + 1e-9),
        Value(float(SCORE_BUCKETS - 1), output_field=FloatField()),
    )
    rows = _counted(
        Flag.objects.filter(spans.within("created_at")).annotate(bucket=bucket),
        "created_at",
        "kind",
        "method",
        "bucket",
        "status",
    )
    yield from _weekly(
        rows,
        StatsMetric.FLAGS,
        lambda r: f"{r['kind']}|{r['method']}|{int(r['bucket'])}|{r['status']}",
    )


def _verdicts(spans: Spans) -> Iterator[Row]:
    ratings = _counted(
        Verdict.objects.filter(spans.within("published_at"), state=VerdictState.PUBLISHED),
        "published_at",
        "rating",
    )
    yield from _weekly(ratings, StatsMetric.RATINGS, lambda r: r["rating"])
    published = _counted(
        Verdict.objects.filter(
            spans.within("published_at"), published_at__isnull=False, author__isnull=False
        ),
        "published_at",
        "author_id",
    )
    yield from _weekly(published, StatsMetric.PUBLISHED, lambda r: str(r["author_id"]))


def _assignments(spans: Spans) -> Iterator[Row]:
    taken = _counted(
        Assignment.objects.filter(spans.within("created_at")), "created_at", "reviewer_id"
    )
    yield from _weekly(taken, StatsMetric.TAKEN, lambda r: str(r["reviewer_id"]))


def _verdict_history(spans: Spans) -> Iterator[Row]:
    steps = (
        Verdict.history.filter(spans.within("history_date"), author__isnull=False)
        .annotate(week=TruncWeek("history_date"))
        .values("week", "author_id")
        .annotate(
            submitted=Count("pk", filter=Q(history_change_reason="Submitted for approval")),
            returned=Count("pk", filter=Q(history_change_reason__startswith="Returned to checker")),
        )
        .order_by()
    )
    for row in steps:
        for metric in (StatsMetric.SUBMITTED, StatsMetric.RETURNED):
            if row[metric]:
                yield metric, local_day(row["week"]), str(row["author_id"]), row[metric], None
    fixes = (
        Verdict.history.filter(spans.within("history_date", monthly=True))
        .annotate(month=TruncMonth("history_date"))
        .values("month")
        .annotate(
            corrections=Count("pk", filter=Q(history_change_reason__startswith="Correction")),
            retractions=Count("pk", filter=Q(history_change_reason__startswith="Retracted")),
        )
        .order_by()
    )
    for row in fixes:
        for key in ("corrections", "retractions"):
            if row[key]:
                yield StatsMetric.CORRECTIONS, local_day(row["month"]), key, row[key], None


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def hours(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(float(value) / 3600, 1)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between ranks, as percentile_cont does."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _time_to_verdict(spans: Spans) -> Iterator[Row]:
    """Median and 90th percentile of the hours from claim to publication, per month.

    Percentiles do not add up, so each month keeps its own (``n``: the verdicts counted).
    """
    published = Verdict.objects.filter(
        spans.within("published_at", monthly=True), published_at__isnull=False
    ).exclude(state=VerdictState.RETRACTED)
    metric = StatsMetric.TIME_TO_VERDICT
    if connection.vendor == "postgresql":
        waited = ExpressionWrapper(F("published_at") - F("claim__created_at"), DurationField())
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
            month = local_day(row["month"])
            yield metric, month, "median", row["n"], hours(row["median"])
            yield metric, month, "p90", row["n"], hours(row["p90"])
        return
    # SQLite has no percentile: the durations, read in one query.
    by_month: dict[dt.date, list[float]] = {}
    for month, at, created in published.annotate(month=TruncMonth("published_at")).values_list(
        "month", "published_at", "claim__created_at"
    ):
        if at is not None:
            by_month.setdefault(local_day(month), []).append((at - created).total_seconds())
    for month, seconds in by_month.items():
        yield metric, month, "median", len(seconds), hours(percentile(seconds, 0.5))
        yield metric, month, "p90", len(seconds), hours(percentile(seconds, 0.9))


# Refreshing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Metrics counted together, by one or two queries over the same rows."""

    count: Callable[[Spans], Iterator[Row]]
    metrics: frozenset[str]


GROUPS: dict[str, Group] = {
    "claims": Group(
        _claims,
        frozenset(
            {
                StatsMetric.CLAIMS_BY_SOURCE_KIND,
                StatsMetric.CLAIMS_BY_TAG,
                StatsMetric.CLAIMS_BY_STATUS,
            }
        ),
    ),
    "backlog": Group(_backlog, frozenset({StatsMetric.BACKLOG_CHANGE})),
    "flags": Group(_flags, frozenset({StatsMetric.FLAGS})),
    "verdicts": Group(_verdicts, frozenset({StatsMetric.RATINGS, StatsMetric.PUBLISHED})),
    "assignments": Group(_assignments, frozenset({StatsMetric.TAKEN})),
    "verdict_history": Group(
        _verdict_history,
        frozenset({StatsMetric.SUBMITTED, StatsMetric.RETURNED, StatsMetric.CORRECTIONS}),
    ),
    "time_to_verdict": Group(_time_to_verdict, frozenset({StatsMetric.TIME_TO_VERDICT})),
}
# The groups a write to each table (``StatsChange.source``, from its trigger) can change: a
# new claim costs a recount of its week's claim figures, not of every chart.
TABLE_GROUPS: dict[str, tuple[str, ...]] = {
    "claims_claim": ("claims", "time_to_verdict"),
    "claims_appearance": ("claims",),
    "claims_claim_tags": ("claims",),
    "sources_source": ("claims",),
    "claims_historicalclaim": ("backlog",),
    "claims_flag": ("flags",),
    "reviews_verdict": ("verdicts", "time_to_verdict"),
    "reviews_historicalverdict": ("verdict_history",),
    "reviews_assignment": ("assignments",),
}
EVERYTHING = Spans(weeks=None, months=None)


def count(spans: Spans) -> list[Row]:
    """Every figure of the spans, counted from the data (a fixed number of queries)."""
    return [row for group in GROUPS.values() for row in group.count(spans)]


def _spans_by_group(changes: Iterable[tuple[str, dt.datetime | None]]) -> dict[str, Spans]:
    moments: dict[str, list[dt.datetime | None]] = {}
    for source, at in changes:
        # A change of an unknown table (or "everything") counts every group again.
        for name in TABLE_GROUPS.get(source, tuple(GROUPS)):
            moments.setdefault(name, []).append(at)
    return {name: Spans.of(ats) for name, ats in moments.items()}


def _store(spans_by_group: dict[str, Spans]) -> None:
    """Count the groups' spans again and put their rows in place of the old ones."""
    rows: list[Row] = []
    stale = Q(pk__in=[])
    for name, spans in spans_by_group.items():
        group = GROUPS[name]
        rows.extend(group.count(spans))
        if spans.weeks is None or spans.months is None:
            stale |= Q(metric__in=group.metrics)
            continue
        stale |= Q(metric__in=group.metrics & WEEKLY, period__in=spans.weeks)
        stale |= Q(metric__in=group.metrics & MONTHLY, period__in=spans.months)
    StatsFigure.objects.filter(stale).delete()
    StatsFigure.objects.bulk_create(
        (StatsFigure(metric=m, period=p, key=k, n=n, value=v) for m, p, k, n, v in rows),
        batch_size=INSERT_BATCH,
    )


def refresh() -> int:
    """Count again the weeks and months changed since the last refresh; returns how many
    changes were taken (0 and one query when nothing changed)."""
    if connection.vendor != "postgresql":
        # No triggers record changes here: count everything, every time.
        with transaction.atomic():
            _store(dict.fromkeys(GROUPS, EVERYTHING))
        return 1
    if not StatsChange.objects.exists():
        return 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
        changes = list(StatsChange.objects.values_list("pk", "source", "at"))
        if not changes:
            return 0  # another refresh took them while this one waited
        _store(_spans_by_group((source, at) for _, source, at in changes))
        # Only the rows seen: a change committed meanwhile waits for the next refresh.
        StatsChange.objects.filter(pk__in=[pk for pk, _, _ in changes]).delete()
    return len(changes)


def rebuild() -> None:
    """Count every figure again (after a restore, or rows written with the triggers off)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
        seen = list(StatsChange.objects.values_list("pk", flat=True))
        _store(dict.fromkeys(GROUPS, EVERYTHING))
        StatsChange.objects.filter(pk__in=seen).delete()


# Reading -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """The summary rows a dashboard reads, by metric, with the names their keys stand for."""

    rows: dict[str, list[tuple[dt.date, str, int, float | None]]]
    tag_names: dict[str, str] = field(default_factory=dict)
    user_names: dict[str, str] = field(default_factory=dict)

    def of(self, metric: str) -> list[tuple[dt.date, str, int, float | None]]:
        return self.rows.get(metric, [])


def load(*, since: dt.date, viewer_id: int | None = None) -> Figures:
    """The rows from ``since`` (and every week of the cumulative metrics), after a refresh;
    with ``viewer_id``, only that person's own figures (and no names)."""
    refresh()
    if viewer_id is not None:
        query = StatsFigure.objects.filter(
            metric__in=CHECKER_METRICS, key=str(viewer_id), period__gte=since
        )
    else:
        query = StatsFigure.objects.filter(Q(period__gte=since) | Q(metric__in=CUMULATIVE))
    rows: dict[str, list[tuple[dt.date, str, int, float | None]]] = {}
    for metric, period, key, n, value in query.values_list("metric", "period", "key", "n", "value"):
        rows.setdefault(metric, []).append((period, key, n, value))
    figures = Figures(rows=rows)
    if viewer_id is None:
        # Names by id, read now: a renamed tag or user shows its new name at once.
        tag_ids = {int(key) for _, key, _, _ in figures.of(StatsMetric.CLAIMS_BY_TAG)}
        figures.tag_names = {
            str(pk): name
            for pk, name in Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name")
        }
        user_ids = {int(key) for metric in CHECKER_METRICS for _, key, _, _ in figures.of(metric)}
        figures.user_names = {
            str(pk): name
            for pk, name in User.objects.filter(pk__in=user_ids).values_list("pk", "username")
        }
    return figures
