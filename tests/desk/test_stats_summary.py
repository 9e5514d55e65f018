"""The dashboard's summary table: the database triggers record every write that changes a
figure (and none that does not), a refresh counts again only the weeks changed, the backlog
trend follows the claims' history exactly, and a rebuild counts everything again."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from claims.models import AnalysisState, Claim, ClaimStatus, Flag
from desk import stats_summary
from desk.models import StatsChange, StatsFigure, StatsMetric
from desk.tasks import refresh_desk_stats
from tests.desk.queue_helpers import signed_in
from tests.factories import ClaimFactory, FlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_triggers():
    # The summary table is kept by PostgreSQL triggers; on SQLite (development) the dashboard
    # counts live, which test_stats_dashboard covers. CI runs on PostgreSQL and must run these.
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the summary-table tests on PostgreSQL")
        pytest.skip("the summary table's triggers need PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.DESK_STATS_CACHE_SECONDS = 0


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def week(when: dt.datetime) -> dt.date:
    return stats_summary.week_of(timezone.localtime(when).date())


def status_figure(when: dt.datetime, status: str) -> StatsFigure:
    return StatsFigure.objects.get(
        metric=StatsMetric.CLAIMS_BY_STATUS, period=week(when), key=status
    )


def trend(client) -> list[int]:
    response = client.get(reverse("desk:stats"), {"weeks": 12})
    charts = {chart.key: chart for chart, *_ in response.context["charts"]}
    return dict(charts["backlog-trend"].series)["Claims waiting"]


def waiting_directly(end: dt.datetime) -> int:
    """Claims whose last history row before ``end`` leaves them in the backlog."""
    last: dict[int, tuple[dt.datetime, int, str, str]] = {}
    for row in Claim.history.filter(history_date__lt=end).values_list(
        "id", "history_date", "history_id", "status", "history_type"
    ):
        pk, *rest = row
        if pk not in last or tuple(rest[:2]) > last[pk][:2]:
            last[pk] = tuple(rest)
    return sum(
        1
        for _, _, status, kind in last.values()
        if kind != "-" and status in stats_summary.BACKLOG_STATUSES
    )


def set_status(claim: Claim, status: str, when: dt.datetime) -> None:
    """A status change with its history row dated ``when``."""
    claim.status = status
    claim.save()
    latest = claim.history.latest("history_id")
    Claim.history.filter(history_id=latest.history_id).update(history_date=when)


def test_writes_outside_the_figures_record_no_change():
    claim = ClaimFactory()
    flag = FlagFactory(reasons=["Same wording (test)"])
    stats_summary.refresh()
    assert not StatsChange.objects.exists()
    # What the analysis rewrites all day: none of it is on the dashboard.
    Claim.objects.filter(pk=claim.pk).update(
        analysis_state=AnalysisState.DONE, analysed_at=timezone.now()
    )
    Flag.objects.filter(pk=flag.pk).update(reasons=["Reworded"], details={"x": 1})
    assert not StatsChange.objects.exists()
    # A bulk update that moves a figure is seen, though no model method ran.
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.NOT_CHECKABLE)
    assert StatsChange.objects.count() == 1


def test_a_refresh_counts_only_the_weeks_that_changed(editor):
    old = ClaimFactory(status=ClaimStatus.READY)
    Claim.objects.filter(pk=old.pk).update(created_at=ago(40))
    client = signed_in(editor)
    client.get(reverse("desk:stats"))
    assert status_figure(ago(40), ClaimStatus.READY).n == 1
    # Tamper with the old week's figure: a refresh that counted it again would repair it.
    StatsFigure.objects.filter(pk=status_figure(ago(40), ClaimStatus.READY).pk).update(n=7)
    ClaimFactory(status=ClaimStatus.TRIAGE)
    client.get(reverse("desk:stats"))
    assert status_figure(timezone.now(), ClaimStatus.TRIAGE).n == 1
    assert status_figure(ago(40), ClaimStatus.READY).n == 7
    assert not StatsChange.objects.exists()

    call_command("rebuild_desk_stats")
    assert status_figure(ago(40), ClaimStatus.READY).n == 1


def test_the_backlog_trend_follows_the_history_of_a_reopened_claim(editor):
    claim = ClaimFactory(status=ClaimStatus.READY)
    Claim.objects.filter(pk=claim.pk).update(created_at=ago(60))
    claim.history.update(history_date=ago(60))
    set_status(claim, ClaimStatus.PUBLISHED, ago(40))
    set_status(claim, ClaimStatus.IN_REVIEW, ago(20))  # a retraction reopened it
    ClaimFactory(status=ClaimStatus.TRIAGE)
    client = signed_in(editor)
    period_start = timezone.localtime(timezone.now()).date()
    period_start -= dt.timedelta(days=period_start.weekday(), weeks=11)
    values = trend(client)
    for i, value in enumerate(values):
        end = stats_summary.midnight(period_start + dt.timedelta(weeks=i + 1))
        assert value == waiting_directly(min(end, timezone.now() + dt.timedelta(seconds=1)))
    assert values[week_index(period_start, ago(40))] == 0
    assert values[-1] == 2

    # A status change written into the past, between two others: the later row's week
    # changes too (its change is now counted from the inserted row, not from "published").
    set_status(claim, ClaimStatus.READY, ago(30))
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.IN_REVIEW)
    values = trend(client)
    assert values[week_index(period_start, ago(30))] == 1
    assert values[-1] == 2 == waiting_directly(timezone.now() + dt.timedelta(seconds=1))


def week_index(period_start: dt.date, when: dt.datetime) -> int:
    return (timezone.localtime(when).date() - period_start).days // 7


def test_the_beat_task_takes_the_changes_once():
    ClaimFactory()
    assert refresh_desk_stats() >= 1
    assert refresh_desk_stats() == 0
    assert StatsFigure.objects.filter(metric=StatsMetric.CLAIMS_BY_STATUS).exists()


def test_a_write_recounts_only_the_figures_its_table_feeds():
    flag = FlagFactory(reasons=["Same wording (test)"])
    stats_summary.refresh()
    figure = StatsFigure.objects.get(metric=StatsMetric.FLAGS)
    StatsFigure.objects.filter(pk=figure.pk).update(n=9)
    ClaimFactory()  # a claim: its week's claim figures, not the flags of the same week
    stats_summary.refresh()
    assert StatsFigure.objects.get(pk=figure.pk).n == 9
    Flag.objects.filter(pk=flag.pk).update(score=0.99)
    stats_summary.refresh()
    assert StatsFigure.objects.get(metric=StatsMetric.FLAGS).n == 1
