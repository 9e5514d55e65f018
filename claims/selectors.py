"""Reads of claims, shaped for the pages that list them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims.models import Appearance, Claim, Flag, FlagStatus
from reviews.models import OPEN_ASSIGNMENT_STATES, Assignment, Verdict, VerdictState


def claim_list_annotated(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with their appearance count, current rating and current reviewer.

    Correlated subqueries rather than joins + GROUP BY: the database then computes them only
    for the page of rows actually returned, which keeps a 100,000-claim list fast.
    """
    queryset = Claim.objects.all() if queryset is None else queryset
    appearances = (
        Appearance.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    latest_verdict = Verdict.objects.filter(claim=OuterRef("pk")).exclude(
        state=VerdictState.RETRACTED
    )
    published = latest_verdict.filter(state=VerdictState.PUBLISHED)
    reviewer = (
        Assignment.objects.filter(claim=OuterRef("pk"), state__in=OPEN_ASSIGNMENT_STATES)
        .order_by("-created_at")
        .values("reviewer__username")[:1]
    )
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
        appearance_count=Coalesce(Subquery(appearances, output_field=IntegerField()), Value(0)),
        published_rating=Subquery(published.values("rating")[:1]),
        draft_rating=Subquery(latest_verdict.order_by("-updated_at").values("rating")[:1]),
        reviewer_username=Subquery(reviewer),
    )


def claim_history(claim: Claim) -> QuerySet[Any]:
    """The claim's change history, newest first, with who made each change."""
    return claim.history.select_related("history_user").order_by("-history_date")


@dataclass(frozen=True)
class FlagRow:
    flag: Flag
    other: Claim
    other_rating: str | None


def claim_flags(claim: Claim) -> list[FlagRow]:
    """The claim's flags with the other claim and its published rating (two queries)."""
    flags = list(
        Flag.objects.filter(Q(claim_a=claim) | Q(claim_b=claim))
        .select_related("claim_a", "claim_b")
        .order_by("status", "-score")
    )
    others = [f.claim_b if f.claim_a_id == claim.pk else f.claim_a for f in flags]
    ratings = dict(
        Verdict.objects.filter(
            claim_id__in=[o.pk for o in others], state=VerdictState.PUBLISHED
        ).values_list("claim_id", "rating")
    )
    return [
        FlagRow(flag=f, other=o, other_rating=ratings.get(o.pk))
        for f, o in zip(flags, others, strict=True)
    ]
