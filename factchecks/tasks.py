"""Celery tasks of the factchecks app: matching, in batches, after the data committed."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError
from django.utils import timezone
from kombu.exceptions import OperationalError

from factchecks.matching import reviews_match
from factchecks.models import ExternalReview
from factchecks.semantic import reviews_embed, semantic_on

log = logging.getLogger(__name__)

# Reviews the sweep enqueues per run at most (in MATCH_BATCH messages); the rest next run.
SWEEP_LIMIT = 20_000
# Matching is enqueued per this many reviews (the backlog path), never one message per row.
MATCH_BATCH = 500


@shared_task(
    name="factchecks.tasks.match_reviews",
    acks_late=True,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def match_reviews(review_ids: list[int]) -> int:
    """Embed (semantic tier) and match a batch of imported or updated reviews against the
    desk's claims, then mark them matched. Idempotent; reviews gone since are skipped."""
    started = timezone.now()
    ids = list(review_ids)
    if semantic_on():
        reviews_embed(review_ids=ids)
    found = reviews_match(review_ids=ids)
    # A review changed again while this ran keeps its mark: its own message (or the sweep)
    # matches the new version.
    ExternalReview.objects.filter(pk__in=ids, match_pending=True, updated_at__lte=started).update(
        match_pending=False
    )
    return found


@shared_task(name="factchecks.tasks.sweep_review_matching")
def sweep_review_matching() -> int:
    """Beat: enqueue again the reviews whose matching was requested but never ran (a lost
    message, a killed worker, a broker that was down at import). How many were enqueued."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ANALYSIS_STALE_AFTER_SECONDS)
    ids = list(
        ExternalReview.objects.filter(match_pending=True, match_requested_at__lt=stale)
        .order_by("id")
        .values_list("id", flat=True)[:SWEEP_LIMIT]
    )
    # Stamped before sending: a large backlog still queued is not sent again by the next
    # run, only once this window has passed again.
    ExternalReview.objects.filter(pk__in=ids).update(match_requested_at=now)
    enqueue_review_matching(ids)
    return len(ids)


def _send(task: object, ids: list[int], what: str) -> None:
    try:
        task.delay(ids)  # type: ignore[attr-defined]
    except OperationalError as exc:
        # The rows are committed and marked pending; beat's sweep enqueues them again.
        log.warning(
            "matching of %d %s not enqueued, the broker is unreachable (%s)", len(ids), what, exc
        )


def enqueue_review_matching(review_ids: list[int], batch: int = MATCH_BATCH) -> None:
    """One message per ``batch`` reviews, never one per row."""
    for start in range(0, len(review_ids), batch):
        _send(match_reviews, review_ids[start : start + batch], "reviews")
