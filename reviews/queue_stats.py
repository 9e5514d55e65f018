"""Keeping :class:`reviews.models.QueueStats` in step with claims, appearances and flags.

Signal receivers refresh the rows of the claims a save touches, inside the same transaction,
so the queue order is current as soon as the write commits. Writes that skip signals (bulk
imports, queryset updates such as a merge moving appearances) are caught by
:func:`queue_stats_rebuild`, run by the periodic ``reviews.tasks.sweep_queue_stats`` task and
by ``manage.py rebuild_queue_stats``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from claims.models import Appearance, Claim, Flag, FlagStatus
from reviews.models import QueueStats, WorthBand

BATCH = 2000
# Check-worthiness cut points of the queue's bands: at or above WORTH_HIGH a claim moves up
# within its editor priority, below WORTH_LOW (the ingest page's default candidate threshold)
# it moves down. The migration that added the bands backfills with the same numbers.
WORTH_HIGH = 0.75
WORTH_LOW = 0.5


def worth_band(checkworthiness: float | None) -> int:
    """The queue band of a claim whose best appearance scored ``checkworthiness``."""
    if checkworthiness is None:
        return WorthBand.UNSCORED
    if checkworthiness >= WORTH_HIGH:
        return WorthBand.HIGH
    if checkworthiness < WORTH_LOW:
        return WorthBand.LOW
    return WorthBand.UNSCORED


def queue_stats_refresh(claim_ids: Iterable[int]) -> int:
    """Recompute the queue stats of the given claims (four grouped queries and an upsert)."""
    ids = sorted(set(claim_ids))
    if not ids:
        return 0
    claims = list(Claim.objects.filter(pk__in=ids).values_list("pk", "priority", "created_at"))
    appearances: dict[int, int] = {}
    best: dict[int, float | None] = {}
    grouped = (
        Appearance.objects.filter(claim_id__in=ids)
        .order_by()
        .values_list("claim_id")
        .annotate(n=Count("pk"), worth=Max("checkworthiness"))
    )
    for claim_id, n, worth in grouped:
        appearances[claim_id] = n
        best[claim_id] = worth
    flags: dict[int, int] = {}
    open_flags = Flag.objects.filter(status=FlagStatus.OPEN).order_by()
    for side in ("claim_a_id", "claim_b_id"):
        rows = open_flags.filter(**{f"{side}__in": ids}).values_list(side).annotate(n=Count("pk"))
        for claim_id, n in rows:
            flags[claim_id] = flags.get(claim_id, 0) + n
    QueueStats.objects.bulk_create(
        [
            QueueStats(
                claim_id=pk,
                priority=priority,
                created_at=created_at,
                appearances=appearances.get(pk, 0),
                open_flags=flags.get(pk, 0),
                checkworthiness=best.get(pk),
                worth=worth_band(best.get(pk)),
            )
            for pk, priority, created_at in claims
        ],
        update_conflicts=True,
        unique_fields=["claim"],
        update_fields=[
            "priority",
            "created_at",
            "appearances",
            "open_flags",
            "checkworthiness",
            "worth",
            "refreshed_at",
        ],
    )
    return len(claims)


def queue_stats_rebuild() -> int:
    """Recompute every claim's queue stats, in batches; returns the number of claims."""
    done = 0
    last = 0
    while True:
        ids = list(
            Claim.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return done
        done += queue_stats_refresh(ids)
        last = ids[-1]


@receiver(post_save, sender=Claim, dispatch_uid="queue_stats_claim")
def _claim_saved(sender: type[Claim], instance: Claim, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    # Status-only saves (the review workflow) do not change the sort key.
    if created or fields is None or {"priority", "created_at"} & set(fields):
        queue_stats_refresh([instance.pk])


def _after_commit(ids: list[int]) -> None:
    # After a delete, refresh once the transaction is over: when the claim itself is being
    # deleted (cascading to its appearances), an upsert before then would recreate its row.
    transaction.on_commit(lambda: queue_stats_refresh(ids))


@receiver(post_save, sender=Appearance, dispatch_uid="queue_stats_appearance_saved")
def _appearance_saved(sender: type[Appearance], instance: Appearance, **kwargs: Any) -> None:
    queue_stats_refresh([instance.claim_id])


@receiver(post_delete, sender=Appearance, dispatch_uid="queue_stats_appearance_deleted")
def _appearance_deleted(sender: type[Appearance], instance: Appearance, **kwargs: Any) -> None:
    _after_commit([instance.claim_id])


@receiver(post_save, sender=Flag, dispatch_uid="queue_stats_flag_saved")
def _flag_saved(sender: type[Flag], instance: Flag, **kwargs: Any) -> None:
    queue_stats_refresh([instance.claim_a_id, instance.claim_b_id])


@receiver(post_delete, sender=Flag, dispatch_uid="queue_stats_flag_deleted")
def _flag_deleted(sender: type[Flag], instance: Flag, **kwargs: Any) -> None:
    _after_commit([instance.claim_a_id, instance.claim_b_id])
