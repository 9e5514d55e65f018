"""Background analysis of claims."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError
from django.utils import timezone
from kombu.exceptions import OperationalError

from claims.analysis import (
    claim_analyze,
    claims_analyze,
    claims_needing_analysis,
    index_feed_prune,
)
from claims.models import AnalysisState, Claim
from claims.signals import claims_analysed

log = logging.getLogger(__name__)

# The sweep sends a backlog in batches of this many claims: one message per batch, analysed
# by the batch path (a handful of statements per batch rather than per claim), and workers
# pull batches as they free up, so a backlog spreads over them evenly.
SWEEP_BATCH = 200


class AnalysisTask(Task):
    """Marks the claim (or the batch's claims) failed once its analysis gives up, so the admin
    shows it and the sweep (which re-enqueues failed claims) knows to try again."""

    def on_failure(
        self,
        exc: Exception,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        given = kwargs.get("claim_id", kwargs.get("claim_ids", args[0] if args else None))
        claim_ids = given if isinstance(given, list) else ([given] if given is not None else [])
        if claim_ids:
            # Only pending claims: a concurrent run may have finished one meanwhile.
            Claim.objects.filter(pk__in=claim_ids, analysis_state=AnalysisState.PENDING).update(
                analysis_state=AnalysisState.FAILED
            )
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
    base=AnalysisTask,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def analyze_claim(claim_id: int) -> None:
    """Analyse one claim; quietly does nothing when the claim is gone."""
    claim_analyze(claim_id=claim_id)
    _analysed([claim_id])


@shared_task(
    base=AnalysisTask,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def analyze_claims(claim_ids: list[int]) -> int:
    """Analyse a batch of claims (a backlog); gone or merged ones are skipped quietly.

    Safe to retry as a whole: each claim's analysis is idempotent. Logs one summary line per
    batch at INFO (Celery's own line per task is turned down to WARNING in the settings, so a
    busy worker's log is not one line per claim).
    """
    started = time.monotonic()
    done = claims_analyze(claim_ids=claim_ids)
    log.info(
        "analysed %d of %d claim(s) in %.1f s", done, len(claim_ids), time.monotonic() - started
    )
    _analysed(list(claim_ids))
    return done


def _analysed(claim_ids: list[int]) -> None:
    for receiver, result in claims_analysed.send_robust(sender=Claim, claim_ids=claim_ids):
        if isinstance(result, Exception):
            log.error("after analysis of %s, %r failed: %r", claim_ids, receiver, result)


def backlog_enqueue(claim_ids: list[int]) -> bool:
    """Publish the analysis of a batch of pending claims (``analysis_enqueue``'s contract)."""
    try:
        analyze_claims.delay(claim_ids)
    except OperationalError as exc:
        log.warning(
            "analysis of %d claim(s) not enqueued, the broker is unreachable (%s); "
            "the sweep will enqueue them",
            len(claim_ids),
            exc,
        )
        return False
    return True


@shared_task
def sweep_analysis(stale_minutes: float | None = None) -> int:
    """Re-enqueue claims a lost message or killed worker left pending, failed ones, and those
    an older engine analysed. Returns how many were enqueued.

    The window defaults to ``settings.ANALYSIS_STALE_AFTER_SECONDS``.
    """
    if stale_minutes is None:
        stale_after = timedelta(seconds=settings.ANALYSIS_STALE_AFTER_SECONDS)
    else:
        stale_after = timedelta(minutes=stale_minutes)
    index_feed_prune(older_than=timedelta(hours=settings.ANALYSIS_INDEX_FEED_HOURS))
    ids = claims_needing_analysis(stale_after=stale_after)
    if not ids:
        return 0
    # Restart their window before publishing: the next sweep leaves them alone until it has
    # passed again instead of enqueuing them on every run, and a worker that finishes one marks
    # it done after this write, never before.
    Claim.objects.filter(pk__in=ids).update(
        analysis_state=AnalysisState.PENDING, analysis_requested_at=timezone.now()
    )
    sent = 0
    for start in range(0, len(ids), SWEEP_BATCH):
        batch = ids[start : start + SWEEP_BATCH]
        if not backlog_enqueue(batch):
            # The broker is gone: trying the rest would only wait out a timeout each time. They
            # are all pending, so the next sweep takes them up.
            break
        sent += len(batch)
    log.info("analysis sweep enqueued %d of %d claim(s)", sent, len(ids))
    return sent
