"""Published verdicts as claim reviews: plain JSON, and schema.org ClaimReview JSON-LD.

Both expect the claim, claimant, tags, appearances (with sources) and evidence (with sources)
loaded by the view, so a page of reviews costs the same number of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.serializers import AppearanceSerializer, ClaimantSerializer
from claims.models import Appearance, Claim, ClaimantKind, Tag
from reviews.models import (
    RATING_VALUES,
    ChangeKind,
    Evidence,
    Rating,
    ReviewChange,
    Verdict,
    VerdictState,
    WebhookEndpoint,
)
from sources.api.serializers import SourceBriefSerializer

BEST_RATING = max(RATING_VALUES.values())
WORST_RATING = min(RATING_VALUES.values())


def review_url(verdict: Verdict, request: Any) -> str:
    """The review's public address: the configured page, else the API's own URL for it
    (absolute from the request, or from SITE_URL outside one, as in webhook payloads)."""
    template = settings.CLAIMREVIEW_URL_TEMPLATE
    if template:
        return str(template).replace("{id}", str(verdict.pk))
    path = reverse("api:claimreview-detail", kwargs={"pk": verdict.pk})
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path


class ReviewedClaimSerializer(serializers.ModelSerializer[Claim]):
    claimant = ClaimantSerializer(allow_null=True)
    tags: serializers.RelatedField[Tag, Any, Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    appearances = AppearanceSerializer(many=True)

    class Meta:
        model = Claim
        fields = ["id", "text", "claimant", "claim_date", "language", "tags", "appearances"]


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    source = SourceBriefSerializer()  # type: ignore[assignment]

    class Meta:
        model = Evidence
        fields = ["source", "stance", "note"]


class RatingSerializer(serializers.Serializer[Verdict]):
    code = serializers.CharField(source="rating")
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    value = serializers.IntegerField(
        source="rating_value",
        allow_null=True,
        help_text=f"{WORST_RATING} (worst) to {BEST_RATING} (best); null for unrated labels.",
    )

    def get_label(self, verdict: Verdict) -> str:
        return str(Rating(verdict.rating).label)


class ClaimReviewSerializer(serializers.ModelSerializer[Verdict]):
    url = serializers.SerializerMethodField()
    claim = ReviewedClaimSerializer()
    rating = RatingSerializer(source="*")
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = Verdict
        fields = [
            "id",
            "url",
            "claim",
            "rating",
            "headline",
            "explanation",
            "evidence",
            "version",
            "published_at",
            "updated_at",
            "corrected_at",
            "correction_note",
        ]

    def get_url(self, verdict: Verdict) -> str:
        return review_url(verdict, self.context.get("request"))


def _appeared_on(appearance: Appearance) -> dt.date | None:
    """When the claim appeared there: the appearance's own date, else the source's."""
    return appearance.appeared_on or appearance.source.published_on


def _creative_work(appearance: Appearance) -> dict[str, Any]:
    source = appearance.source
    work: dict[str, Any] = {"@type": "CreativeWork", "headline": source.title}
    if source.url:
        work["url"] = source.url
    appeared_on = _appeared_on(appearance)
    if appeared_on:
        work["datePublished"] = appeared_on.isoformat()
    if source.outlet:
        work["publisher"] = {"@type": "Organization", "name": source.outlet}
    return work


def _claim_author(claim: Claim, first: Appearance | None) -> dict[str, str] | None:
    """Who made the claim: its claimant; for claims nobody was named for, whoever published it
    first (the speaker, the source's author or its outlet), as Google asks for an author."""
    if claim.claimant is not None:
        kind = "Person" if claim.claimant.kind == ClaimantKind.PERSON else "Organization"
        return {"@type": kind, "name": claim.claimant.name}
    if first is None:
        return None
    if first.speaker:
        return {"@type": "Person", "name": first.speaker}
    if first.source.author:
        return {"@type": "Person", "name": first.source.author}
    if first.source.outlet:
        return {"@type": "Organization", "name": first.source.outlet}
    return None


@extend_schema_field(
    {"type": "object", "description": "A schema.org ClaimReview (JSON-LD).", "properties": {}}
)
class ClaimReviewJSONLDSerializer(serializers.BaseSerializer[Verdict]):
    """schema.org ClaimReview with Google's required and recommended properties."""

    def to_representation(self, verdict: Verdict) -> dict[str, Any]:
        claim = verdict.claim
        author: dict[str, Any] = {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME}
        if settings.CLAIMREVIEW_AUTHOR_URL:
            author["url"] = settings.CLAIMREVIEW_AUTHOR_URL
        rating: dict[str, Any] = {
            "@type": "Rating",
            "alternateName": str(Rating(verdict.rating).label),
        }
        if verdict.rating_value is not None:
            rating.update(
                ratingValue=verdict.rating_value, bestRating=BEST_RATING, worstRating=WORST_RATING
            )
        appearances = list(claim.appearances.all())
        item: dict[str, Any] = {"@type": "Claim", "text": claim.text}
        dated = [a for a in appearances if _appeared_on(a)]
        first = (
            min(dated, key=lambda a: _appeared_on(a) or dt.date.max)
            if dated
            else (appearances[0] if appearances else None)
        )
        first_date = claim.claim_date or (_appeared_on(first) if first is not None else None)
        claim_author = _claim_author(claim, first)
        if claim_author is not None:
            item["author"] = claim_author
        if first_date:
            item["datePublished"] = first_date.isoformat()
        if first is not None:
            item["appearance"] = [_creative_work(a) for a in appearances]
            item["firstAppearance"] = _creative_work(first)
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": review_url(verdict, self.context.get("request")),
            "claimReviewed": verdict.headline,
            "reviewBody": verdict.explanation,
            "author": author,
            "reviewRating": rating,
            "itemReviewed": item,
            "inLanguage": claim.language,
            "datePublished": verdict.published_at.date().isoformat()
            if verdict.published_at
            else None,
            "dateModified": verdict.updated_at.isoformat(),
        }
        if verdict.corrected_at is not None:
            review["correction"] = {
                "@type": "CorrectionComment",
                "text": verdict.correction_note,
                "datePublished": verdict.corrected_at.isoformat(),
            }
        return review


class ReviewChangeSerializer(serializers.ModelSerializer[ReviewChange]):
    """A change feed entry. ``claim_review`` is the review as it is now, or null once it was
    retracted; a retraction entry is a tombstone carrying the reason."""

    event = serializers.CharField(source="kind")
    occurred_at = serializers.DateTimeField(source="created_at")
    claim_review_id = serializers.IntegerField(source="verdict_id")
    claim_review = serializers.SerializerMethodField()
    retraction_reason = serializers.SerializerMethodField()
    _review_serializer: ClaimReviewSerializer | None = None

    class Meta:
        model = ReviewChange
        fields = [
            "id",
            "event",
            "occurred_at",
            "claim_review_id",
            "version",
            "claim_review",
            "retraction_reason",
        ]

    @extend_schema_field(ClaimReviewSerializer(allow_null=True))
    def get_claim_review(self, change: ReviewChange) -> dict[str, Any] | None:
        if change.verdict.state != VerdictState.PUBLISHED:
            return None
        # One nested serializer for the whole page: building a ModelSerializer's fields costs
        # more than serialising a row with them.
        if self._review_serializer is None:
            self._review_serializer = ClaimReviewSerializer(context=self.context)
        return self._review_serializer.to_representation(change.verdict)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_retraction_reason(self, change: ReviewChange) -> str | None:
        if change.kind != ChangeKind.RETRACTED:
            return None
        return change.verdict.retraction_reason


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    """A registered endpoint. The signing secret appears only in the response that created it."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=ChangeKind.choices), allow_empty=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "created_at", "disabled_at", "disabled_reason"]
        read_only_fields = ["created_at", "disabled_at", "disabled_reason"]

    def to_representation(self, instance: WebhookEndpoint) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["events"] = sorted(instance.event_set)
        return data


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The registration response: the endpoint and, this once, its signing secret, which the
    view passes in the context (the database holds only its ciphertext)."""

    secret = serializers.SerializerMethodField(help_text="Shown once: store it now.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]

    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return str(self.context["secret"])
