"""Background analysis of claims."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from claims.analysis import claim_analyze, claims_analyze, claims_needing_analysis

log = logging.getLogger(__name__)


@shared_task(
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


@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def analyze_claims(claim_ids: list[int]) -> int:
    """Analyse a batch of claims (a backlog); gone or merged ones are skipped quietly.

    Safe to retry as a whole: each claim's analysis is idempotent.
    """
    return claims_analyze(claim_ids=claim_ids)


@shared_task
def sweep_analysis(stale_minutes: int = 10) -> int:
    """Re-enqueue claims a lost message left pending, or an older engine analysed."""
    ids = claims_needing_analysis(stale_after=timedelta(minutes=stale_minutes))
    for claim_id in ids:
        analyze_claim.delay(claim_id)
    if ids:
        log.info("analysis sweep re-enqueued %d claim(s)", len(ids))
    return len(ids)
