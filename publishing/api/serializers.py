"""Published verdicts as claim reviews: plain JSON, and schema.org ClaimReview JSON-LD.

Both expect the claim, claimant, tags, appearances (with sources) and evidence (with sources)
loaded by the caller, so a page of reviews costs the same number of queries whatever its size.
The claim-review and change-feed views answer with ``publishing.api.representations`` (the same
output from plain rows, faster); these serializers describe the responses in the schema.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim, Tag
from publishing.api.claims.serializers import AppearanceSerializer, ClaimantSerializer
from publishing.api.representations import (
    BEST_RATING,
    WORST_RATING,
    ReviewBuilder,
    review_relations_of,
    review_row,
)
from publishing.api.sources.serializers import SourceBriefSerializer
from publishing.models import ReviewChange, WebhookEndpoint
from reviews.models import ChangeKind, Evidence, Rating, Verdict, VerdictState


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


@extend_schema_field(
    {"type": "object", "description": "A schema.org ClaimReview (JSON-LD).", "properties": {}}
)
class ClaimReviewJSONLDSerializer(serializers.BaseSerializer[Verdict]):
    """schema.org ClaimReview with Google's required and recommended properties.

    Built by ``publishing.api.representations`` (the one JSON-LD implementation, which the list
    endpoints call on plain rows); this adapts a prefetched instance to it.
    """

    def to_representation(self, verdict: Verdict) -> dict[str, Any]:
        builder = ReviewBuilder(self.context.get("request"), review_relations_of(verdict))
        return builder.jsonld(review_row(verdict))


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
