"""Reads of claims, shaped for the pages that list them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims.models import Appearance, Claim
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
    return queryset.annotate(
        appearance_count=Coalesce(Subquery(appearances, output_field=IntegerField()), Value(0)),
        published_rating=Subquery(published.values("rating")[:1]),
        draft_rating=Subquery(latest_verdict.order_by("-updated_at").values("rating")[:1]),
        reviewer_username=Subquery(reviewer),
    )


def claim_history(claim: Claim) -> QuerySet[Any]:
    """The claim's change history, newest first, with who made each change."""
    return claim.history.select_related("history_user").order_by("-history_date")
