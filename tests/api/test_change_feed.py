"""changes/: every publication, correction and retraction, in order, resumable with ``next``."""

from __future__ import annotations

import os
import random
import threading
import time

import pytest
from django.db import connection, transaction

from publishing.models import ReviewChange
from reviews.models import ChangeKind, VerdictState
from reviews.services import verdict_correct, verdict_publish, verdict_retract
from tests.api.conftest import client_for, issue_token
from tests.factories import VerdictFactory

FEED = "/api/v1/changes/"


def approved(**fields):
    return VerdictFactory(state=VerdictState.APPROVED, **fields)


def follow(client, url=FEED, page_size=3):
    """Follow ``next`` until the feed says there is no more; returns entries and the last next."""
    entries = []
    while True:
        response = client.get(url, {"page_size": page_size} if "page_size" not in url else None)
        assert response.status_code == 200, response.content
        body = response.json()
        entries.extend(body["results"])
        url = body["next"]
        if not body["has_more"]:
            return entries, url


def test_publication_correction_and_retraction_appear_in_order(publisher_client, editor):
    verdict = approved()
    verdict_publish(actor=editor, verdict=verdict)
    verdict_correct(actor=editor, verdict=verdict, note="Typo in the figure.", headline="Fixed")
    verdict_retract(actor=editor, verdict=verdict, reason="Source withdrawn.")
    entries, _ = follow(publisher_client)
    assert [e["event"] for e in entries] == [
        "claimreview.published",
        "claimreview.corrected",
        "claimreview.retracted",
    ]
    assert [e["version"] for e in entries] == [1, 2, 2]
    assert all(e["claim_review_id"] == verdict.pk for e in entries)
    tombstone = entries[-1]
    assert tombstone["claim_review"] is None
    assert tombstone["retraction_reason"] == "Source withdrawn."
    # A retracted review is no longer served, even on its earlier entries.
    assert entries[0]["claim_review"] is None


def test_a_live_entry_carries_the_current_review(publisher_client, editor):
    verdict = approved()
    verdict_publish(actor=editor, verdict=verdict)
    (entry,), _ = follow(publisher_client)
    assert entry["claim_review"]["headline"] == verdict.headline
    assert entry["retraction_reason"] is None


def test_following_next_never_misses_or_repeats_and_resumes_later(publisher_client, editor):
    for _ in range(7):
        verdict_publish(actor=editor, verdict=approved())
    entries, resume = follow(publisher_client)
    ids = [e["id"] for e in entries]
    assert ids == list(ReviewChange.objects.order_by("id").values_list("id", flat=True))
    assert len(set(ids)) == 7
    # Nothing new: the stored next gives an empty page and the same place to resume.
    empty = publisher_client.get(resume).json()
    assert empty["results"] == [] and empty["next"] == resume
    later = approved()
    verdict_publish(actor=editor, verdict=later)
    (entry,), _ = follow(publisher_client, resume)
    assert entry["claim_review_id"] == later.pk


@pytest.mark.parametrize("params", [{"after": "x"}, {"after": "-1"}, {"page_size": "0"}])
def test_bad_cursor_parameters_are_field_errors(publisher_client, db, params):
    response = publisher_client.get(FEED, params)
    assert response.status_code == 400
    assert set(params) <= set(response.json())


def test_the_feed_refuses_anonymous_callers(anonymous_client, db):
    assert anonymous_client.get(FEED).status_code == 401


def _postgres_or_skip():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the change-feed concurrency test on PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_feed_is_gap_free_under_concurrent_writes(publisher, editor):
    """Writers publish with commits that lag behind their ids; a reader following ``next``
    throughout still sees every change exactly once, in order."""
    _postgres_or_skip()
    writers, per_writer = 4, 6
    verdicts = [[approved() for _ in range(per_writer)] for _ in range(writers)]
    token = issue_token(publisher, scopes=["read"])
    done = threading.Event()
    seen = []
    errors = []

    def write(batch, seed):
        rng = random.Random(seed)
        try:
            for verdict in batch:
                with transaction.atomic():
                    verdict_publish(actor=editor, verdict=verdict)
                    # Hold the transaction open after taking the id, as a slow request would.
                    time.sleep(rng.uniform(0, 0.03))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def read():
        client = client_for(token)
        url = FEED
        try:
            while True:
                finished = done.is_set()
                body = client.get(url, {"page_size": 5} if url == FEED else None).json()
                seen.extend(e["id"] for e in body["results"])
                url = body["next"]
                if finished and not body["has_more"]:
                    return
                time.sleep(0.005)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(b, i)) for i, b in enumerate(verdicts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=60)
    assert not errors, errors
    expected = list(
        ReviewChange.objects.filter(kind=ChangeKind.PUBLISHED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(expected) == writers * per_writer
    assert seen == expected
