"""Ingest's worker tasks: fetching a URL never happens on a web request."""

from __future__ import annotations

from celery import shared_task

from ingest.services import FETCH_TASK, ingest_fetch


@shared_task(name=FETCH_TASK, ignore_result=True)
def fetch_source(ingest_id: int) -> None:
    """Fetch and ingest a pending URL (idempotent: a finished ingest is left alone)."""
    ingest_fetch(ingest_id=ingest_id)
