"""The queue's stored sort keys follow claims, appearances and flags, and can be rebuilt."""

from __future__ import annotations

import pytest

from claims.models import Appearance, Claim, Flag, FlagKind, FlagStatus, Priority
from claims.services import claim_update
from reviews.models import QueueStats
from reviews.queue_stats import queue_stats_rebuild
from tests.factories import AppearanceFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def stats(claim):
    return QueueStats.objects.get(claim=claim)


def test_stats_follow_appearances_flags_and_priority(editor, django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    other = ClaimFactory()
    assert stats(claim).appearances == 0
    AppearanceFactory(claim=claim)
    AppearanceFactory(claim=claim)
    assert stats(claim).appearances == 2
    low, high = sorted([claim, other], key=lambda c: c.pk)
    flag = Flag.objects.create(
        claim_a=low, claim_b=high, kind=FlagKind.CONFLICT, score=0.7, method="lexical",
        engine_version="t", text_key="k",
    )  # fmt: skip
    assert stats(claim).open_flags == stats(other).open_flags == 1
    flag.status = FlagStatus.DISMISSED
    flag.save()
    assert stats(claim).open_flags == 0
    claim_update(actor=editor, claim=claim, priority=Priority.URGENT)
    assert stats(claim).priority == Priority.URGENT
    with django_capture_on_commit_callbacks(execute=True):
        Appearance.objects.filter(claim=claim).first().delete()
    assert stats(claim).appearances == 1


def test_deleting_a_claim_leaves_no_stats_behind(django_capture_on_commit_callbacks):
    claim = AppearanceFactory().claim
    with django_capture_on_commit_callbacks(execute=True):
        claim.delete()
    assert not QueueStats.objects.filter(claim_id=claim.pk).exists()


def test_rebuild_catches_writes_that_skipped_signals():
    claim = ClaimFactory()
    Appearance.objects.bulk_create(
        [Appearance(claim=claim, source=AppearanceFactory().source, quote="q") for _ in range(3)]
    )
    Claim.objects.filter(pk=claim.pk).update(priority=Priority.HIGH)
    QueueStats.objects.filter(claim=claim).delete()
    assert queue_stats_rebuild() == Claim.objects.count()
    assert stats(claim).appearances == 3
    assert stats(claim).priority == Priority.HIGH
