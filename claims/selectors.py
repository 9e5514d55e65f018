"""Reads of claims, shaped for the pages that list them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims.models import Appearance, Claim, Flag, FlagStatus


def appearances_counted(of: str) -> Coalesce:
    """How many appearances point at the outer row, through ``Appearance.<of>`` ("claim" or
    "source"), as a correlated subquery: computed only for the rows of the page returned."""
    counts = (
        Appearance.objects.filter(**{of: OuterRef("pk")})
        .order_by()
        .values(of)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def claim_list_annotated(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with their appearance count and open flag count.

    ``reviews.selectors.claim_list_reviewed`` adds the rating and the reviewer on top.

    Correlated subqueries rather than joins + GROUP BY: the database then computes them only
    for the page of rows actually returned, which keeps a 100,000-claim list fast.
    """
    queryset = Claim.objects.all() if queryset is None else queryset
    open_flags = Flag.objects.filter(status=FlagStatus.OPEN).order_by().values("status")
    count = Count("pk")
    return queryset.annotate(
        open_flag_count=Coalesce(
            Subquery(open_flags.filter(claim_a=OuterRef("pk")).annotate(n=count).values("n")),
            Value(0),
        )
        + Coalesce(
            Subquery(open_flags.filter(claim_b=OuterRef("pk")).annotate(n=count).values("n")),
            Value(0),
        ),
        appearance_count=appearances_counted("claim"),
    )


def claim_history(claim: Claim) -> QuerySet[Any]:
    """The claim's change history, newest first, with who made each change."""
    return claim.history.select_related("history_user").order_by("-history_date")


@dataclass(frozen=True)
class FlagRow:
    """One of a claim's flags, seen from that claim: the flag and the other claim.

    ``other_rating`` is the other claim's published rating where the reader asked for it
    (``reviews.selectors.claim_flags_rated``); verdicts belong to reviews, so claims leaves it empty.
    """

    flag: Flag
    other: Claim
    other_rating: str | None = None


def claim_flags(claim: Claim) -> list[FlagRow]:
    """The claim's flags with the other claim (one query)."""
    flags = (
        Flag.objects.filter(Q(claim_a=claim) | Q(claim_b=claim))
        .select_related("claim_a", "claim_b")
        .order_by("status", "-score")
    )
    return [
        FlagRow(flag=f, other=f.claim_b if f.claim_a_id == claim.pk else f.claim_a) for f in flags
    ]


# Width of the score buckets in the decision report: fine enough to place a threshold, coarse
# enough that a desk's first few hundred decisions fill each bucket.
SCORE_BUCKET = 0.1


def flag_decision_report(*, since: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Editors' decisions on flags, per kind and method: the labelled pairs that tell whether
    the matching thresholds are right.

    Each row counts open, confirmed and dismissed flags, the share of decided flags that were
    confirmed (the precision editors saw), and the same split per score bucket, so a threshold
    can be moved to where dismissals start to outnumber confirmations.
    """
    queryset = Flag.objects.all()
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    buckets: dict[tuple[str, str, int], dict[str, int]] = {}
    for kind, method, status, score in queryset.order_by().values_list(
        "kind", "method", "status", "score"
    ):
        row = rows.setdefault(
            (kind, method),
            {"kind": kind, "method": method, **dict.fromkeys(FlagStatus.values, 0)},
        )
        row[status] += 1
        # The epsilon keeps a score of exactly 0.7 out of the 0.6 bucket (0.7 / 0.1 < 7).
        bucket = min(int(score / SCORE_BUCKET + 1e-9), round(1 / SCORE_BUCKET) - 1)
        counts = buckets.setdefault((kind, method, bucket), dict.fromkeys(FlagStatus.values, 0))
        counts[status] += 1
    report = []
    for key in sorted(rows):
        row = rows[key]
        row["precision"] = _share(row[FlagStatus.CONFIRMED], row[FlagStatus.DISMISSED])
        row["by_score"] = [
            {
                "min": round(b * SCORE_BUCKET, 2),
                "max": round((b + 1) * SCORE_BUCKET, 2),
                **counts,
                "precision": _share(counts[FlagStatus.CONFIRMED], counts[FlagStatus.DISMISSED]),
            }
            for (kind, method, b), counts in sorted(buckets.items())
            if (kind, method) == key
        ]
        report.append(row)
    return report


def _share(confirmed: int, dismissed: int) -> float | None:
    decided = confirmed + dismissed
    return round(confirmed / decided, 4) if decided else None


# --- Claims' tags and appearances for the publisher API, read as plain rows. ---------------
# The API's list pages read these with values() keyed by claim id rather than through
# prefetch_related: building model instances and per-row related managers for a 50-row page
# cost more than the SQL (see publishing.api.representations).

# A source as an appearance or evidence row carries it (joined in the same query).
SOURCE_COLUMNS: tuple[str, ...] = (
    "source_id",
    "source__url",
    "source__title",
    "source__outlet",
    "source__published_on",
    "source__author",
)


def claim_tag_names(claim_ids: set[int]) -> dict[int, list[str]]:
    """Each claim's tag names, by name (the order Tag's Meta gives); one query, none if empty."""
    names: dict[int, list[str]] = {}
    if not claim_ids:
        return names
    rows = (
        Claim.tags.through.objects.filter(claim_id__in=claim_ids)
        .order_by("tag__name")
        .values_list("claim_id", "tag__name")
    )
    for claim_id, name in rows:
        names.setdefault(claim_id, []).append(name)
    return names


def claim_appearance_rows(claim_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """Each claim's appearances with their sources (``SOURCE_COLUMNS``), in Appearance's order
    (date, then id); one query, none if empty."""
    appearances: dict[int, list[dict[str, Any]]] = {}
    if not claim_ids:
        return appearances
    rows = (
        Appearance.objects.filter(claim_id__in=claim_ids)
        .order_by("appeared_on", "id")
        .values("claim_id", "quote", "appeared_on", "speaker", "stance", *SOURCE_COLUMNS)
    )
    for row in rows:
        appearances.setdefault(row["claim_id"], []).append(row)
    return appearances
