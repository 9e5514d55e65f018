"""Reads of the factchecks app: a claim's "checked elsewhere" matches and their conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from claims.models import Claim
from reviews.models import Verdict, VerdictState

from .models import ExternalMatch, ExternalReview, FeedSubscription, NormalisedRating

# The two sides of the scale; a rating on neither (mixed, other, unproven...) conflicts with
# nothing.
TRUE_SIDE = frozenset({NormalisedRating.TRUE.value, NormalisedRating.MOSTLY_TRUE.value})
FALSE_SIDE = frozenset({NormalisedRating.FALSE.value, NormalisedRating.MOSTLY_FALSE.value})


def rating_side(rating: str | None) -> str:
    """ "true", "false" or "" for a normalised (or the desk's own) rating."""
    if rating in TRUE_SIDE:
        return "true"
    if rating in FALSE_SIDE:
        return "false"
    return ""


def ratings_disagree(a: str | None, b: str | None) -> bool:
    """Opposite sides of the scale: true/mostly true against mostly false/false."""
    side_a, side_b = rating_side(a), rating_side(b)
    return bool(side_a and side_b and side_a != side_b)


@dataclass(frozen=True)
class CheckedElsewhere:
    """One external review a claim repeats, with how it stands against other verdicts."""

    score: float
    method: str
    review: ExternalReview
    # The desk's published rating disagrees with this review.
    conflicts_with_desk: bool
    # Another matched review of the same claim lands on the other side of the scale.
    conflicts_with_outlets: bool

    @property
    def date_published(self) -> date | None:
        return self.review.date_published

    @property
    def evidence_stance(self) -> str:
        """What the review shows as evidence: a false rating refutes the claim, a true one
        supports it, anything else is context (``reviews.EvidenceStance`` values)."""
        side = rating_side(self.review.normalised_rating)
        return {"true": "supports", "false": "refutes"}.get(side, "context")


def claim_checked_elsewhere(claim_id: int) -> list[CheckedElsewhere]:
    """The external reviews a claim repeats, best first, with conflicts marked."""
    # One query: the desk's published rating rides along on every row.
    desk_rating = (
        Verdict.objects.filter(claim_id=claim_id, state=VerdictState.PUBLISHED)
        .order_by("-updated_at")
        .values("rating")[:1]
    )
    matches = list(
        ExternalMatch.objects.filter(claim_id=claim_id)
        .select_related("review")
        .annotate(desk_rating=Subquery(desk_rating))
        .order_by("-relevance", "-score", "review_id")
    )
    desk = matches[0].desk_rating if matches else None
    sides = {rating_side(m.review.normalised_rating) for m in matches} - {""}
    return [
        CheckedElsewhere(
            score=m.score,
            method=m.method,
            review=m.review,
            conflicts_with_desk=ratings_disagree(desk, m.review.normalised_rating),
            conflicts_with_outlets=len(sides) > 1 and rating_side(m.review.normalised_rating) != "",
        )
        for m in matches
    ]


def claims_with_verdict_conflicts() -> QuerySet[Claim]:
    """Claims with a published verdict and at least one matched review on the other side."""
    true_ids = ExternalMatch.objects.filter(review__normalised_rating__in=TRUE_SIDE).values(
        "claim_id"
    )
    false_ids = ExternalMatch.objects.filter(review__normalised_rating__in=FALSE_SIDE).values(
        "claim_id"
    )
    published = Verdict.objects.filter(state=VerdictState.PUBLISHED)
    return Claim.objects.filter(
        pk__in=published.filter(rating__in=FALSE_SIDE, claim_id__in=true_ids).values("claim_id")
    ) | Claim.objects.filter(
        pk__in=published.filter(rating__in=TRUE_SIDE, claim_id__in=false_ids).values("claim_id")
    )


def claims_with_outlet_disagreement() -> QuerySet[Claim]:
    """Claims matched to two external reviews on opposite sides of the scale."""
    true_ids = ExternalMatch.objects.filter(review__normalised_rating__in=TRUE_SIDE).values(
        "claim_id"
    )
    false_ids = ExternalMatch.objects.filter(review__normalised_rating__in=FALSE_SIDE).values(
        "claim_id"
    )
    return Claim.objects.filter(pk__in=true_ids).filter(pk__in=false_ids)


def external_reviews(
    *,
    publisher: str = "",
    rating: str = "",
    language: str = "",
    updated_since: object = None,
) -> QuerySet[ExternalReview]:
    """External reviews filtered as the API and admin ask (empty means any)."""
    rows = ExternalReview.objects.all()
    if publisher:
        rows = rows.filter(publisher_site__iexact=publisher) | rows.filter(
            publisher_name__iexact=publisher
        )
    if rating:
        rows = rows.filter(normalised_rating=rating)
    if language:
        rows = rows.filter(language__iexact=language)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    return rows.order_by("-updated_at", "-id")


def feed_subscriptions_due() -> list[int]:
    """Active subscriptions whose next check is due (or was never set)."""
    now = timezone.now()
    return list(
        FeedSubscription.objects.filter(active=True)
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .order_by("next_check_at", "id")
        .values_list("id", flat=True)
    )
