"""Background upkeep of the statistics dashboard."""

from __future__ import annotations

import logging

from celery import shared_task

from desk.stats_summary import refresh

logger = logging.getLogger(__name__)


# No retry policy: beat sends it every minute, so the next run is the retry, and a reader
# who comes first counts the changed weeks in their own request anyway.
@shared_task(ignore_result=True)
def refresh_desk_stats() -> int:
    """Count again the weeks changed since the last refresh, so the next dashboard reader
    finds the summary current instead of counting them in their request. Idempotent: a
    second run finds nothing to do."""
    taken = refresh()
    if taken:
        logger.info("desk stats: %d change(s) counted", taken)
    return taken
