"""Reads for the review queue, shaped for its pages with a fixed number of queries each."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims.models import Appearance, Claim, ClaimStatus, Flag, FlagStatus
from claims.selectors import (
    SOURCE_COLUMNS,
    FlagRow,
    claim_appearance_rows,
    claim_flags,
    claim_history,
    claim_list_annotated,
    claim_tag_names,
)
from reviews.models import (
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    Evidence,
    Verdict,
    VerdictState,
    WorthBand,
)

QUEUE_PAGE_SIZE = 50
# Claims a checker can pick up: ready for review and held by nobody.
TAKEABLE_STATUSES = (ClaimStatus.READY,)


def claim_list_reviewed(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims as ``claims.selectors.claim_list_annotated`` lists them, plus their published
    rating, their latest draft rating and their current reviewer.

    Correlated subqueries, like the counts there: computed only for the page of rows returned.
    """
    latest_verdict = Verdict.objects.filter(claim=OuterRef("pk")).exclude(
        state=VerdictState.RETRACTED
    )
    published = latest_verdict.filter(state=VerdictState.PUBLISHED)
    reviewer = (
        Assignment.objects.filter(claim=OuterRef("pk"), state__in=OPEN_ASSIGNMENT_STATES)
        .order_by("-created_at")
        .values("reviewer__username")[:1]
    )
    return claim_list_annotated(queryset).annotate(
        published_rating=Subquery(published.values("rating")[:1]),
        draft_rating=Subquery(latest_verdict.order_by("-updated_at").values("rating")[:1]),
        reviewer_username=Subquery(reviewer),
    )


def claim_flags_rated(claim: Claim) -> list[FlagRow]:
    """The claim's flags with the other claim and its published rating (two queries)."""
    rows = claim_flags(claim)
    ratings = dict(
        Verdict.objects.filter(
            claim_id__in=[row.other.pk for row in rows], state=VerdictState.PUBLISHED
        ).values_list("claim_id", "rating")
    )
    return [dataclasses.replace(row, other_rating=ratings.get(row.other.pk)) for row in rows]


def published_rating_sql(claim_id_column: str) -> tuple[str, list[Any]]:
    """A scalar SQL subquery giving the published rating of the claim in ``claim_id_column``
    (the latest, as ``Verdict`` orders), and its parameters.

    The one read of verdicts that claims makes (``claims.analysis.pipeline``): an opposite
    published verdict is a conflict, and the analysis reads its candidates' texts, stored
    analyses and ratings in one prepared query per batch. Handing it this fragment keeps that
    one query while the verdict table's shape stays reviews' business.
    """
    table = connection.ops.quote_name(Verdict._meta.db_table)
    # Only the table's name and the caller's column (both from code) are formatted in.
    sql = (
        f"(SELECT v.rating FROM {table} v WHERE v.claim_id = {claim_id_column} "  # noqa: S608
        "AND v.state = %s ORDER BY v.updated_at DESC LIMIT 1)"
    )
    return sql, [VerdictState.PUBLISHED.value]


@dataclass(frozen=True)
class QueueFilters:
    """What the checker narrowed the queue to; empty strings mean "any"."""

    status: str = ""
    tag: str = ""
    language: str = ""
    q: str = ""

    def apply(self, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.tag:
            queryset = queryset.filter(tags__name=self.tag)
        if self.language:
            queryset = queryset.filter(language=self.language)
        if self.q:
            queryset = queryset.filter(
                Q(text__icontains=self.q) | Q(claimant__name__icontains=self.q)
            )
        return queryset


def unassigned_claims(filters: QueueFilters) -> QuerySet[Claim]:
    """Claims nobody holds, matching the filters (ready for review unless a status is chosen).

    A claim with an open assignment is always "in review" (the assignment services move it),
    so the status alone tells held from free claims; the NOT EXISTS is only needed when the
    checker asks for another status.
    """
    queryset = Claim.objects.all()
    if filters.status:
        open_assignment = Assignment.objects.filter(state__in=OPEN_ASSIGNMENT_STATES)
        queryset = queryset.exclude(pk__in=open_assignment.values("claim_id"))
    else:
        queryset = queryset.filter(status__in=TAKEABLE_STATUSES)
    return filters.apply(queryset)


def ranked_claim_ids(queryset: QuerySet[Claim], *, limit: int, offset: int = 0) -> list[int]:
    """Ids of ``queryset``'s claims in queue order, one query.

    The order a checker is shown and "Take next claim" follows: editor priority, then the
    check-worthiness band of the claim's best ingested appearance (high first, low last, see
    ``reviews.queue_stats.worth_band``), then open repeat/conflict flags (most first), then
    appearances (most first), then age (oldest first). It reads the ``queuestats_rank`` index (see :class:`reviews.models.QueueStats`),
    so the database walks the top of one index instead of counting every appearance.
    """
    return list(
        queryset.filter(queue_stats__isnull=False)
        .order_by(
            "queue_stats__priority",
            "-queue_stats__worth",
            "-queue_stats__open_flags",
            "-queue_stats__appearances",
            "queue_stats__created_at",
            "queue_stats__claim_id",
        )
        .values_list("pk", flat=True)[offset : offset + limit]
    )


def _rows(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    # The check-worthiness the row shows as a reason comes with the row (a join, no query).
    return (
        claim_list_reviewed(queryset)
        .annotate(
            checkworthiness=F("queue_stats__checkworthiness"),
            worth=Coalesce(F("queue_stats__worth"), Value(WorthBand.UNSCORED)),
        )
        .select_related("claimant")
        .prefetch_related("tags")
    )


@dataclass
class QueuePage:
    assigned: list[Claim]
    unassigned: list[Claim]
    unassigned_total: int
    filters: QueueFilters = field(default_factory=QueueFilters)


def queue_page(*, user: User, filters: QueueFilters, limit: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """The checker's two lists: their own open claims, and the top of the unassigned queue."""
    mine = filters.apply(
        Claim.objects.filter(
            assignments__reviewer=user, assignments__state__in=OPEN_ASSIGNMENT_STATES
        )
    )
    assigned = list(
        _rows(mine).order_by(
            "priority", "-worth", "-open_flag_count", "-appearance_count", "created_at"
        )[:100]
    )
    candidates = unassigned_claims(filters)
    ids = ranked_claim_ids(candidates, limit=limit)
    by_id = {c.pk: c for c in _rows(Claim.objects.filter(pk__in=ids))} if ids else {}
    unassigned = [by_id[pk] for pk in ids if pk in by_id]
    total = candidates.count()
    return QueuePage(
        assigned=assigned, unassigned=unassigned, unassigned_total=total, filters=filters
    )


@dataclass(frozen=True)
class RelatedClaim:
    """A flag on the claim, the claim at its other end, and that claim's published verdict."""

    flag: Flag
    other: Claim
    verdict: Verdict | None


@dataclass
class ClaimPage:
    claim: Claim
    appearances: list[Appearance]
    related: list[RelatedClaim]
    history: list[Any]
    verdicts: list[Verdict]
    current: Verdict | None
    evidence: list[Evidence]
    verdict_history: list[Any]
    assignment: Assignment | None


def claim_page(claim_id: int) -> ClaimPage:
    """Everything the claim page shows, in a fixed number of queries whatever the sizes."""
    claim = (
        Claim.objects.select_related("claimant", "canonical")
        .prefetch_related("tags")
        .get(pk=claim_id)
    )
    appearances = list(
        Appearance.objects.filter(claim=claim).select_related("source").order_by("appeared_on")
    )
    flags = list(
        Flag.objects.filter(Q(claim_a=claim) | Q(claim_b=claim), status=FlagStatus.OPEN)
        .select_related("claim_a", "claim_b")
        .order_by("-score")
    )
    others = [f.claim_b if f.claim_a_id == claim.pk else f.claim_a for f in flags]
    published = {
        v.claim_id: v
        for v in Verdict.objects.filter(
            claim_id__in=[o.pk for o in others], state=VerdictState.PUBLISHED
        )
    }
    related = [
        RelatedClaim(flag=f, other=o, verdict=published.get(o.pk))
        for f, o in zip(flags, others, strict=True)
    ]
    verdicts = list(
        Verdict.objects.filter(claim=claim)
        .select_related("author", "approver")
        .order_by("-created_at")
    )
    current = next((v for v in verdicts if v.state != VerdictState.RETRACTED), None)
    evidence = list(
        Evidence.objects.filter(
            Q(verdict__isnull=True) | Q(verdict=current) if current else Q(verdict__isnull=True),
            claim=claim,
        ).select_related("source", "added_by")
    )
    verdict_history: list[Any] = []
    if current is not None:
        verdict_history = list(
            current.history.select_related("history_user").order_by("-history_date")[:50]
        )
    assignment = (
        Assignment.objects.filter(claim=claim, state__in=OPEN_ASSIGNMENT_STATES)
        .select_related("reviewer")
        .first()
    )
    return ClaimPage(
        claim=claim,
        appearances=appearances,
        related=related,
        history=list(claim_history(claim)[:30]),
        verdicts=verdicts,
        current=current,
        evidence=evidence,
        verdict_history=verdict_history,
        assignment=assignment,
    )


def awaiting_approval() -> QuerySet[Verdict]:
    """Verdicts waiting on an editor: submitted ones to approve, approved ones to publish."""
    return (
        Verdict.objects.filter(state__in=[VerdictState.SUBMITTED, VerdictState.APPROVED])
        .select_related("claim", "author", "approver")
        .order_by("updated_at")
    )


def corrections_log() -> QuerySet[Any]:
    """Public log of corrections and retractions, newest first, from the verdict history."""
    return (
        Verdict.history.filter(
            Q(history_change_reason__startswith="Correction")
            | Q(history_change_reason__startswith="Retracted")
        )
        .select_related("claim")
        .order_by("-history_date")
    )


__all__ = ["QueueFilters", "claim_page", "queue_page", "ranked_claim_ids"]


# --- Published claim reviews for the publisher API, read as plain rows. -------------------
# A page of reviews is read with ``values()`` and three keyed queries instead of model
# instances and ``prefetch_related``: on a 50-row page, building the instances, the per-row
# related managers and DRF's field objects cost several times the SQL itself.

# The verdict's columns and its claim's (and claimant's) that a review shows; a queryset of
# verdicts reads them with ``values(*REVIEW_COLUMNS)``, or with a prefix through a relation.
REVIEW_COLUMNS: tuple[str, ...] = (
    "id",
    "claim_id",
    "rating",
    "headline",
    "explanation",
    "version",
    "published_at",
    "updated_at",
    "corrected_at",
    "correction_note",
    "claim__text",
    "claim__claim_date",
    "claim__language",
    "claim__claimant_id",
    "claim__claimant__name",
    "claim__claimant__kind",
    "claim__claimant__affiliation",
)


@dataclass
class ReviewRelations:
    """What a page of reviews shows besides its own rows, keyed by claim or verdict id.

    Lists are in the order the models define (tags by name, appearances by date then id,
    evidence by id), as the serializers showed them.
    """

    tags: dict[int, list[str]] = field(default_factory=dict)
    appearances: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    evidence: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def claim_review_relations(rows: list[dict[str, Any]]) -> ReviewRelations:
    """Tags, appearances (with sources) and evidence (with sources) of ``REVIEW_COLUMNS`` rows:
    three queries whatever the number of rows, none when there are no rows."""
    relations = ReviewRelations()
    if not rows:
        return relations
    claim_ids = {row["claim_id"] for row in rows}
    relations.tags = claim_tag_names(claim_ids)
    relations.appearances = claim_appearance_rows(claim_ids)
    evidence = (
        Evidence.objects.filter(verdict_id__in={row["id"] for row in rows})
        .order_by("id")
        .values("verdict_id", "stance", "note", *SOURCE_COLUMNS)
    )
    for item in evidence:
        relations.evidence.setdefault(item["verdict_id"], []).append(item)
    return relations
