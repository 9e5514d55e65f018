"""The queue's order, its filters, and "Take next claim" (atomic, no double assignment)."""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimStatus, FlagKind, Priority, Tag
from reviews.models import Assignment
from reviews.queue_stats import queue_stats_refresh
from reviews.selectors import QueueFilters, queue_page
from reviews.services import assignment_take_next
from tests.desk.queue_helpers import queued_claim, signed_in
from tests.factories import UserFactory


def flag(a, b):
    from claims.models import Flag

    low, high = sorted([a, b], key=lambda c: c.pk)
    return Flag.objects.create(
        claim_a=low, claim_b=high, kind=FlagKind.REPEAT, score=0.9, method="lexical",
        engine_version="t", text_key="k",
    )  # fmt: skip


def age(claim, days):
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    queue_stats_refresh([claim.pk])  # a queryset update skips the signals


@pytest.mark.django_db
def test_queue_order_is_priority_flags_appearances_then_age(checker):
    new_plain = queued_claim(appearances=1)
    old_plain = queued_claim(appearances=1)
    age(old_plain, 30)
    busy = queued_claim(appearances=4)
    flagged = queued_claim(appearances=1)
    flag(flagged, queued_claim(status=ClaimStatus.PUBLISHED))
    urgent = queued_claim(appearances=0, priority=Priority.URGENT)
    page = queue_page(user=checker, filters=QueueFilters())
    assert [c.pk for c in page.unassigned] == [
        urgent.pk, flagged.pk, busy.pk, old_plain.pk, new_plain.pk
    ]  # fmt: skip
    html = signed_in(checker).get(reverse("queue:index")).content.decode()
    assert "Urgent priority" in html
    assert "1 open flag" in html
    assert "4 appearances" in html


@pytest.mark.django_db
def test_filters_and_search(checker):
    tagged = queued_claim(text="Wind farms produced half the power in March", language="de")
    tagged.tags.add(Tag.objects.create(name="energy"))
    other = queued_claim(text="Bridge tolls doubled")
    not_ready = queued_claim(status=ClaimStatus.TRIAGE)

    def ids(**filters):
        return [c.pk for c in queue_page(user=checker, filters=QueueFilters(**filters)).unassigned]

    assert set(ids()) == {tagged.pk, other.pk}
    assert ids(tag="energy") == [tagged.pk]
    assert ids(language="de") == [tagged.pk]
    assert ids(q="bridge") == [other.pk]
    assert ids(status=ClaimStatus.TRIAGE) == [not_ready.pk]
    response = signed_in(checker).get(reverse("queue:index"), {"q": "wind", "tag": "energy"})
    assert "Wind farms" in response.content.decode()
    assert "Bridge tolls" not in response.content.decode()


@pytest.mark.django_db
def test_take_next_assigns_the_top_claim_and_shows_it_as_mine(checker):
    low = queued_claim(priority=Priority.LOW)
    top = queued_claim(priority=Priority.HIGH)
    client = signed_in(checker)
    response = client.post(reverse("queue:take_next"))
    assert response.status_code == 302
    assert response["Location"] == reverse("queue:claim", args=[top.pk])
    top.refresh_from_db()
    assert top.status == ClaimStatus.IN_REVIEW
    assert Assignment.objects.get(claim=top).reviewer == checker
    page = queue_page(user=checker, filters=QueueFilters())
    assert [c.pk for c in page.assigned] == [top.pk]
    assert [c.pk for c in page.unassigned] == [low.pk]


@pytest.mark.django_db
def test_take_next_follows_the_filters_and_says_when_empty(checker):
    queued_claim(language="en")
    client = signed_in(checker)
    response = client.post(reverse("queue:take_next"), {"language": "fr"}, follow=True)
    assert "the queue is empty" in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_editors_who_are_not_checkers_cannot_take(editor):
    queued_claim()
    assert signed_in(editor).post(reverse("queue:take_next")).status_code == 403


def _needs_postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the concurrency tests on PostgreSQL: set DATABASE_URL")
        pytest.skip("needs PostgreSQL (DATABASE_URL) for row locks; SQLite serialises writers")


@pytest.mark.django_db(transaction=True)
def test_a_claim_locked_by_another_checker_is_skipped_not_waited_for(checker, other_checker):
    _needs_postgres()
    first = queued_claim(priority=Priority.URGENT)
    second = queued_claim(priority=Priority.HIGH)
    locked = threading.Event()
    release = threading.Event()

    def hold_first():
        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert locked.wait(10)
        assignment = assignment_take_next(actor=checker)
        assert assignment is not None
        assert assignment.claim_id == second.pk
    finally:
        release.set()
        holder.join()


@pytest.mark.django_db(transaction=True)
def test_checkers_pressing_at_once_never_get_the_same_claim():
    _needs_postgres()
    from claims.roles import FACT_CHECKERS

    checkers = [UserFactory(roles=[FACT_CHECKERS]) for _ in range(4)]
    claims = [queued_claim() for _ in range(10)]
    rounds = 3
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(checkers))
    lock = threading.Lock()

    def press(user):
        try:
            for _ in range(rounds):
                barrier.wait(10)
                assignment = assignment_take_next(actor=user)
                if assignment is not None:
                    with lock:
                        taken.append(assignment.claim_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(u,)) for u in checkers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(taken) == len(claims)  # 12 presses, 10 claims: every claim taken once
    assert len(set(taken)) == len(taken)
    assert Assignment.objects.count() == len(claims)
