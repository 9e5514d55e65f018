"""Check-worthiness joins the queue order: a claim whose best ingested appearance scored high
moves up within its editor priority, a low one moves down, hand-keyed ones stay in between;
the row says so among its reasons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Appearance, ClaimStatus, FlagKind, Priority
from reviews.models import QueueStats, WorthBand
from reviews.queue_stats import queue_stats_rebuild, worth_band
from reviews.selectors import QueueFilters, queue_page
from reviews.services import assignment_take_next
from tests.desk.queue_helpers import queued_claim, signed_in
from tests.factories import AppearanceFactory, FlagFactory

pytestmark = pytest.mark.django_db


def scored_claim(*scores: float, **fields):
    """A ready claim with one ingested appearance per score."""
    claim = queued_claim(appearances=0, **fields)
    for score in scores:
        AppearanceFactory(claim=claim, checkworthiness=score)
    return claim


def unassigned_ids(user) -> list[int]:
    return [c.pk for c in queue_page(user=user, filters=QueueFilters()).unassigned]


@pytest.mark.parametrize(
    ("score", "band"),
    [(None, WorthBand.UNSCORED), (0.2, WorthBand.LOW), (0.5, WorthBand.UNSCORED),
     (0.74, WorthBand.UNSCORED), (0.75, WorthBand.HIGH), (1.0, WorthBand.HIGH)],
)  # fmt: skip
def test_bands(score, band):
    assert worth_band(score) == band


def test_high_worth_goes_first_within_a_priority_and_low_last(checker):
    hand_keyed = queued_claim(appearances=1)
    low = scored_claim(0.1, 0.3)
    # The best appearance counts: one strong sentence makes the claim worth checking.
    high = scored_claim(0.2, 0.9)
    flagged = queued_claim(appearances=3)
    FlagFactory(
        claim_a=flagged, claim_b=queued_claim(status=ClaimStatus.PUBLISHED), kind=FlagKind.REPEAT
    )
    urgent_low = scored_claim(0.05, priority=Priority.URGENT)

    assert unassigned_ids(checker) == [urgent_low.pk, high.pk, flagged.pk, hand_keyed.pk, low.pk]
    assert assignment_take_next(actor=checker).claim_id == urgent_low.pk
    assert assignment_take_next(actor=checker).claim_id == high.pk


def test_the_row_shows_the_score_among_its_reasons(checker):
    scored_claim(0.91)
    scored_claim(0.2)
    queued_claim(appearances=1)
    html = signed_in(checker).get(reverse("queue:index")).content.decode()
    assert "check-worthiness 0.91 (high)" in html
    assert "check-worthiness 0.20 (low)" in html
    assert html.count("check-worthiness") == 2  # the hand-keyed claim has no score to show


def test_stats_follow_appearances_added_and_removed_and_the_sweep_rebuilds(checker):
    claim = scored_claim(0.4)
    assert QueueStats.objects.get(claim=claim).worth == WorthBand.LOW
    strong = AppearanceFactory(claim=claim, checkworthiness=0.8)
    stats = QueueStats.objects.get(claim=claim)
    assert (stats.checkworthiness, stats.worth) == (0.8, WorthBand.HIGH)

    # A queryset update skips the signals; the sweep puts the band right.
    Appearance.objects.filter(pk=strong.pk).update(checkworthiness=0.6)
    queue_stats_rebuild()
    stats = QueueStats.objects.get(claim=claim)
    assert (stats.checkworthiness, stats.worth) == (0.6, WorthBand.UNSCORED)
