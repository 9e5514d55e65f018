"""The statistics dashboard at /desk/stats/: every figure equals a direct count on data built
here, an empty desk says so on every chart, checkers see only their own work, CSVs carry the
same numbers, and the number of queries does not grow with the data."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from claims.models import Appearance, Claim, ClaimStatus, Flag, FlagKind, FlagStatus, Tag
from claims.selectors import flag_decision_report
from desk import stats
from reviews import services as review_services
from reviews.models import Rating, Verdict
from sources.models import SourceKind
from tests.desk.queue_helpers import VERDICT, signed_in
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    FlagFactory,
    PublishedVerdictFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def make_flag(**fields):
    # The model requires reasons (the analysis always gives some).
    fields.setdefault("reasons", ["Same wording (test)"])
    return FlagFactory(**fields)


@pytest.fixture(autouse=True)
def uncached(settings):
    # Every test builds its own data: figures cached by another test would hide it.
    settings.DESK_STATS_CACHE_SECONDS = 0


def age(model, pk, field, delta):
    """Move a row's automatic timestamp into the past (``auto_now_add`` cannot be given)."""
    model.objects.filter(pk=pk).update(**{field: timezone.now() - delta})


def charts_of(response):
    return {chart.key: chart for chart, *_ in response.context["charts"]}


def series(chart, name):
    return dict(chart.series)[name]


def test_empty_desk_says_so_on_every_chart(editor):
    client = signed_in(editor)
    response = client.get(reverse("desk:stats"))
    assert response.status_code == 200
    charts = charts_of(response)
    assert set(charts) == set(stats.EDITOR_CHARTS)
    html = response.content.decode()
    for chart in charts.values():
        assert chart.empty
        assert escape(chart.empty_message) in html
        csv_response = client.get(reverse("desk:stats_csv", args=[chart.key]))
        assert csv_response.status_code == 200
    assert "<svg" not in html


def week_index(period, when):
    day = timezone.localtime(when).date()
    return (day - period.week_starts[0]).days // 7


def test_claims_received_match_direct_counts(editor):
    article = SourceFactory(kind=SourceKind.ARTICLE)
    post = SourceFactory(kind=SourceKind.SOCIAL_POST)
    health, economy = Tag.objects.create(name="health"), Tag.objects.create(name="economy")
    for i in range(9):
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, source=article if i % 3 else post)
        if i % 4 == 0:
            AppearanceFactory(claim=claim, source=post)
        claim.tags.add(health if i % 2 else economy)
        age(Claim, claim.pk, "created_at", dt.timedelta(days=3 * i))
    old = ClaimFactory()  # before a 4-week period
    AppearanceFactory(claim=old, source=article)
    age(Claim, old.pk, "created_at", dt.timedelta(days=60))

    response = signed_in(editor).get(reverse("desk:stats"), {"weeks": 4})
    period = response.context["period"]
    charts = charts_of(response)
    by_source, by_tag = charts["claims-by-source"], charts["claims-by-tag"]
    assert len(by_source.categories) == 4
    for kind, label in (
        (SourceKind.ARTICLE, "Article"),
        (SourceKind.SOCIAL_POST, "Social media post"),
    ):
        for w, start in enumerate(period.week_starts):
            begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
            direct = (
                Claim.objects.filter(
                    created_at__gte=begin,
                    created_at__lt=begin + dt.timedelta(weeks=1),
                    appearances__source__kind=kind,
                )
                .distinct()
                .count()
            )
            assert series(by_source, label)[w] == direct
    for tag in ("health", "economy"):
        direct = Claim.objects.filter(created_at__gte=period.start, tags__name=tag).count()
        assert sum(series(by_tag, tag)) == direct
    assert sum(series(by_tag, "health")) + sum(series(by_tag, "economy")) == 9


def test_backlog_today_and_its_trend(editor):
    for status, n in ((ClaimStatus.TRIAGE, 2), (ClaimStatus.READY, 3), (ClaimStatus.PUBLISHED, 1)):
        for _ in range(n):
            ClaimFactory(status=status)
    # Waiting three weeks ago, closed (not checkable) ten days ago.
    closed = ClaimFactory(status=ClaimStatus.READY)
    age(Claim, closed.pk, "created_at", dt.timedelta(days=25))
    closed.history.update(history_date=timezone.now() - dt.timedelta(days=25))
    closed.refresh_from_db()
    closed.status = ClaimStatus.NOT_CHECKABLE
    closed.save()
    closed.history.filter(status=ClaimStatus.NOT_CHECKABLE).update(
        history_date=timezone.now() - dt.timedelta(days=10)
    )

    response = signed_in(editor).get(reverse("desk:stats"), {"weeks": 4})
    period = response.context["period"]
    charts = charts_of(response)
    today = charts["backlog-today"]
    for status in stats.BACKLOG_STATUSES:
        label = ClaimStatus(status).label
        value = today.series[0][1][today.categories.index(label)]
        assert value == Claim.objects.filter(status=status).count()
    trend = series(charts["backlog-trend"], "Claims waiting")
    # This week's point is "now": exactly the claims in a backlog status.
    assert trend[-1] == Claim.objects.filter(status__in=stats.BACKLOG_STATUSES).count() == 5
    created_week = week_index(period, timezone.now() - dt.timedelta(days=25))
    closed_week = week_index(period, timezone.now() - dt.timedelta(days=10))
    assert trend[created_week] == 1  # the other claims did not exist yet
    assert trend[closed_week] == 0


def test_verdict_figures(editor, checker, other_editor):
    now = timezone.now()
    verdicts = []
    for hours, rating in ((10, Rating.FALSE), (20, Rating.FALSE), (40, Rating.TRUE)):
        verdicts.append(PublishedVerdictFactory(rating=rating, published_at=now))
        age(Claim, verdicts[-1].claim_id, "created_at", dt.timedelta(hours=hours))
    retracted, _, corrected = verdicts
    review_services.verdict_correct(
        actor=editor, verdict=corrected, note="Source updated.", rating=Rating.MOSTLY_TRUE,
        headline="Updated", explanation="Updated.",
    )  # fmt: skip
    review_services.verdict_retract(actor=editor, verdict=retracted, reason="Wrong claim.")

    charts = charts_of(signed_in(editor).get(reverse("desk:stats")))
    timing = charts["time-to-verdict"]
    month = timing.categories.index(timezone.localtime(now).strftime("%Y-%m"))
    # Retracted verdicts are left out: 20 h and 40 h remain.
    assert series(timing, "Median (hours)")[month] == 30.0
    assert series(timing, "90th percentile (hours)")[month] == 38.0
    by_rating = charts["verdicts-by-rating"]
    for value, label in Rating.choices:
        direct = Verdict.objects.filter(state="published", rating=value).count()
        assert by_rating.series[0][1][by_rating.categories.index(label)] == direct
    fixes = charts["corrections"]
    month = fixes.categories.index(timezone.localtime(now).strftime("%Y-%m"))
    assert series(fixes, "Corrections")[month] == 1
    assert series(fixes, "Retractions")[month] == 1


def test_flag_figures_match_the_decision_report(editor):
    for i in range(12):
        flag = make_flag(
            kind=FlagKind.values[i % 2],
            score=0.5 + i / 30,
            method=("lexical", "semantic")[i % 3 % 2],
        )
        if i % 3 == 1:
            Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.CONFIRMED)
        elif i % 3 == 2:
            Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.DISMISSED)
    response = signed_in(editor).get(reverse("desk:stats"))
    charts = charts_of(response)
    per_week = charts["flags-per-week"]
    assert sum(series(per_week, "Repeat")) == Flag.objects.filter(kind="repeat").count() == 6
    assert sum(series(per_week, "Conflict")) == 6
    decisions = charts["flag-decisions"]
    confirmed, dismissed = series(decisions, "Confirmed"), series(decisions, "Dismissed")
    report = flag_decision_report(since=response.context["period"].start)
    expected = {
        f"{row['kind']} {row['method']} {bucket['min']:.1f}-{bucket['max']:.1f}": (
            bucket["confirmed"], bucket["dismissed"],
        )
        for row in report
        for bucket in row["by_score"]
    }  # fmt: skip
    got = {c: (confirmed[i], dismissed[i]) for i, c in enumerate(decisions.categories)}
    assert got == expected


def make_checker_work(editor, other_editor, checker):
    claims = [ClaimFactory() for _ in range(2)]
    for claim in claims:
        review_services.assignment_create(actor=editor, claim=claim, reviewer=checker)
    verdict = review_services.verdict_create(actor=checker, claim=claims[0], **VERDICT)
    review_services.verdict_submit(actor=checker, verdict=verdict)
    review_services.verdict_return(actor=editor, verdict=verdict, comment="Add the source.")
    review_services.verdict_submit(actor=checker, verdict=verdict)
    review_services.verdict_approve(actor=other_editor, verdict=verdict)
    review_services.verdict_publish(actor=other_editor, verdict=verdict)


def test_checker_figures_and_checkers_see_only_their_own(
    editor, other_editor, checker, other_checker
):
    make_checker_work(editor, other_editor, checker)
    review_services.assignment_create(actor=editor, claim=ClaimFactory(), reviewer=other_checker)

    work = charts_of(signed_in(editor).get(reverse("desk:stats")))["checkers"]
    row = work.categories.index("checker")
    assert [values[row] for _, values in work.series] == [2, 2, 1, 1]
    assert work.categories == ["checker", "checker2"]

    client = signed_in(checker)
    response = client.get(reverse("desk:stats"))
    assert response.status_code == 200
    shown = charts_of(response)
    assert list(shown) == ["checkers"]
    assert shown["checkers"].categories == ["checker"]
    assert "checker2" not in response.content.decode()
    assert client.get(reverse("desk:stats_csv", args=["backlog-today"])).status_code == 403
    assert client.get(reverse("desk:stats_csv", args=["nonsense"])).status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("desk:stats_csv", args=["checkers"])).content.decode())
        )
    )
    assert rows[0] == ["Your work", "Claims taken", "Verdicts submitted", "Returned", "Published"]
    assert rows[1:] == [["checker", "2", "2", "1", "1"]]


def test_csv_carries_the_chart_numbers(editor):
    for _ in range(3):
        ClaimFactory(status=ClaimStatus.TRIAGE)
    response = signed_in(editor).get(reverse("desk:stats_csv", args=["backlog-today"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Backlog by status today", "Claims"]
    assert ["Triage", "3"] in rows


def test_period_picker(editor):
    client = signed_in(editor)
    for weeks, expected in (("4", 4), ("52", 52), ("9", 12), ("x", 12)):
        response = client.get(reverse("desk:stats"), {"weeks": weeks})
        assert len(charts_of(response)["flags-per-week"].categories) == expected


def fill(editor, other_editor, checker, n):
    source = SourceFactory()
    tag = Tag.objects.get_or_create(name="economy")[0]
    for i in range(n):
        claim = ClaimFactory(status=(ClaimStatus.READY, ClaimStatus.TRIAGE)[i % 2])
        claim.tags.add(tag)
        Appearance.objects.create(claim=claim, source=source, quote="q")
        PublishedVerdictFactory()
        make_flag(status=FlagStatus.values[i % 3])
    make_checker_work(editor, other_editor, checker)


# Session, user, roles; "anything changed?"; the summary rows; the names of their tags and
# checkers. A checker's page reads only their own rows and needs no names.
EDITOR_QUERIES = 3 + 4
CHECKER_QUERIES = 3 + 2
# After a write, the first page also counts the changed weeks again: savepoint, lock, the
# changes, delete and insert the figures, delete the changes taken, release; and the counting
# queries of the figures the written tables feed. All of them (the migration's backfill): 11
# (claims by source kind, by tag, by status; backlog changes; flags; ratings and publications;
# assignments; verdict steps and corrections; time to verdict). A new claim (its row and its
# history row): 5 (the claim figures, the backlog, time to verdict).
REFRESH_QUERIES = 7
EVERY_FIGURE = 11
NEW_CLAIM = 5
# SQLite: session, user, roles, then every figure counted live (and, for an editor, the names).
LIVE_EDITOR = 21
LIVE_CHECKER = 19


@pytest.mark.parametrize("n", [2, 12])
def test_dashboard_query_count_is_fixed(
    editor, other_editor, checker, django_assert_num_queries, n
):
    fill(editor, other_editor, checker, n)
    as_editor, as_checker = signed_in(editor), signed_in(checker)
    if connection.vendor != "postgresql":
        # No triggers on SQLite (development): every page counts its figures live, still in
        # a fixed number of queries.
        for client, expected in ((as_editor, LIVE_EDITOR), (as_checker, LIVE_CHECKER)):
            for weeks in (12, 52):
                with django_assert_num_queries(expected):
                    assert client.get(reverse("desk:stats"), {"weeks": weeks}).status_code == 200
        return
    with django_assert_num_queries(EDITOR_QUERIES + REFRESH_QUERIES + EVERY_FIGURE):
        assert as_editor.get(reverse("desk:stats")).status_code == 200
    with django_assert_num_queries(EDITOR_QUERIES):
        assert as_editor.get(reverse("desk:stats"), {"weeks": 52}).status_code == 200
    with django_assert_num_queries(CHECKER_QUERIES):
        assert as_checker.get(reverse("desk:stats")).status_code == 200
    ClaimFactory()
    with django_assert_num_queries(CHECKER_QUERIES + REFRESH_QUERIES + NEW_CLAIM):
        assert as_checker.get(reverse("desk:stats")).status_code == 200


def test_cached_figures_are_read_in_one_round_trip(editor, checker, settings):
    from django.core.cache import cache

    settings.DESK_STATS_CACHE_SECONDS = 60
    cache.clear()
    ClaimFactory(status=ClaimStatus.TRIAGE)
    client = signed_in(editor)
    first = charts_of(client.get(reverse("desk:stats")))
    ClaimFactory(status=ClaimStatus.TRIAGE)  # within the minute: not seen yet
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        again = charts_of(client.get(reverse("desk:stats")))
    assert len(ctx.captured_queries) == 3  # session, user, roles: no figure is counted again
    assert again["backlog-today"].series == first["backlog-today"].series
    # A checker's own line is cached apart from the editors' table.
    mine = charts_of(signed_in(checker).get(reverse("desk:stats")))
    assert list(mine) == ["checkers"] and mine["checkers"].title == "Your work"
