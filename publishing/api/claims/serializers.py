"""API representations of claims, claimants, appearances and flags, and claim submission."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claimdesk.api.fields import LanguageTagField, StrictCharField
from claims.models import Appearance, Claim, Claimant, Flag, Tag
from publishing.api.sources.serializers import SourceBriefSerializer
from reviews.models import Rating, Verdict


class ClaimantSerializer(serializers.ModelSerializer[Claimant]):
    class Meta:
        model = Claimant
        fields = ["id", "name", "kind", "affiliation"]


class AppearanceSerializer(serializers.ModelSerializer[Appearance]):
    source = SourceBriefSerializer()  # type: ignore[assignment]

    class Meta:
        model = Appearance
        fields = ["source", "quote", "appeared_on", "speaker", "stance"]


class VerdictBriefSerializer(serializers.ModelSerializer[Verdict]):
    """The published verdict of a claim, linking to its full claim review."""

    rating_label = serializers.SerializerMethodField()
    rating_value = serializers.IntegerField(allow_null=True, read_only=True)
    claim_review = serializers.SerializerMethodField()

    class Meta:
        model = Verdict
        fields = ["id", "rating", "rating_label", "rating_value", "headline", "claim_review"]

    def get_rating_label(self, verdict: Verdict) -> str:
        return str(Rating(verdict.rating).label)

    def get_claim_review(self, verdict: Verdict) -> str:
        path = reverse("api:claimreview-detail", kwargs={"pk": verdict.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    """A claim with where it appeared and its published verdict, if any.

    Expects ``published_verdicts`` prefetched (see ClaimViewSet.base_queryset).
    """

    claimant = ClaimantSerializer(allow_null=True)
    tags: serializers.RelatedField[Tag, Any, Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    appearances = AppearanceSerializer(many=True)
    verdict = serializers.SerializerMethodField()
    _verdict_serializer: VerdictBriefSerializer | None = None

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "claimant",
            "claim_date",
            "language",
            "tags",
            "status",
            "analysis_state",
            "appearances",
            "verdict",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(VerdictBriefSerializer(allow_null=True))
    def get_verdict(self, claim: Claim) -> dict[str, Any] | None:
        published: list[Verdict] = getattr(claim, "published_verdicts", [])
        if not published:
            return None
        # One nested serializer for the whole page: building its fields per row was the cost.
        if self._verdict_serializer is None:
            self._verdict_serializer = VerdictBriefSerializer(context=self.context)
        return self._verdict_serializer.to_representation(published[0])


class CheckedElsewhereReviewSerializer(serializers.Serializer[dict[str, Any]]):
    """Another outlet's fact-check of the same claim (never the desk's own verdict)."""

    url = serializers.URLField()
    publisher = serializers.CharField()
    rating = serializers.CharField(help_text="The outlet's own words (alternateName).")
    normalised_rating = serializers.CharField()
    date_published = serializers.DateField(allow_null=True)
    verdict_conflict = serializers.BooleanField(
        help_text="The desk's published verdict is on the other side of the scale."
    )


class MatchSerializer(serializers.Serializer[dict[str, Any]]):
    """Another claim the analysis found to repeat or contradict this one (``repeat``,
    ``conflict``), or another outlet's fact-check it repeats (``checked_elsewhere``)."""

    kind = serializers.CharField()
    status = serializers.CharField(required=False)
    score = serializers.FloatField()
    claim = serializers.IntegerField(required=False, help_text="The other claim's id.")
    rating = serializers.CharField(
        required=False, allow_null=True, help_text="Its published rating, if any."
    )
    review = CheckedElsewhereReviewSerializer(required=False)


class ClaimDetailSerializer(ClaimSerializer):
    matches = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "matches"]

    @extend_schema_field(MatchSerializer(many=True))
    def get_matches(self, claim: Claim) -> list[dict[str, Any]]:
        rows: list[Any] = self.context.get("matches", [])
        found: list[dict[str, Any]] = [
            {
                "kind": row.flag.kind,
                "status": row.flag.status,
                "score": round(row.flag.score, 4),
                "claim": row.other.pk,
                "rating": row.other_rating,
            }
            for row in rows
        ]
        return found + [
            {
                "kind": "checked_elsewhere",
                "score": round(row.score, 4),
                "review": {
                    "url": row.review.url,
                    "publisher": row.review.publisher_name or row.review.publisher_site,
                    "rating": row.review.rating_label,
                    "normalised_rating": row.review.normalised_rating,
                    "date_published": row.review.date_published,
                    "verdict_conflict": row.conflicts_with_desk,
                },
            }
            for row in self.context.get("checked_elsewhere", [])
        ]


class ClaimSubmissionSerializer(serializers.Serializer[dict[str, Any]]):
    """What a publisher sends to put a claim in the desk's triage."""

    text = StrictCharField(max_length=1000)
    source_url = StrictCharField(max_length=2000, help_text="Where the claim appeared.")
    claimant = StrictCharField(
        max_length=200, required=False, allow_blank=True, help_text="Who made the claim."
    )
    language = LanguageTagField(
        required=False, default="en", help_text="BCP 47 language tag, e.g. en or pt-BR."
    )


class FlagSerializer(serializers.ModelSerializer[Flag]):
    class Meta:
        model = Flag
        fields = [
            "id",
            "kind",
            "status",
            "score",
            "method",
            "reasons",
            "claim_a",
            "claim_b",
            "engine_version",
            "created_at",
            "updated_at",
        ]
