"""Background upkeep of the review queue."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from reviews.queue_stats import queue_stats_rebuild

log = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=3,
    acks_late=True,
)
def sweep_queue_stats() -> int:
    """Rebuild the queue's sort keys, catching bulk writes that skipped the signals."""
    count = queue_stats_rebuild()
    log.info("queue stats rebuilt for %d claim(s)", count)
    return count
