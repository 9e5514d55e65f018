"""Celery tasks of the factchecks app: matching, in batches, after the data committed."""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from factchecks.matching import reviews_match

log = logging.getLogger(__name__)


@shared_task(name="factchecks.tasks.match_reviews", acks_late=True)
def match_reviews(review_ids: list[int]) -> int:
    """Match a batch of imported or updated reviews against the desk's claims (idempotent)."""
    return reviews_match(review_ids=list(review_ids))


def _send(task: object, ids: list[int], what: str) -> None:
    try:
        task.delay(ids)  # type: ignore[attr-defined]
    except OperationalError as exc:
        # The rows are committed; matching is advisory and the next import or edit redoes it.
        log.warning(
            "matching of %d %s not enqueued, the broker is unreachable (%s)", len(ids), what, exc
        )


def enqueue_review_matching(review_ids: list[int], batch: int) -> None:
    """One message per ``batch`` reviews, never one per row."""
    for start in range(0, len(review_ids), batch):
        _send(match_reviews, review_ids[start : start + batch], "reviews")
