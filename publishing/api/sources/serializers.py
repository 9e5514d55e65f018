"""API representations of sources."""

from __future__ import annotations

from rest_framework import serializers

from ingest.models import Candidate, Ingest
from sources.models import Source


class SourceBriefSerializer(serializers.ModelSerializer[Source]):
    """A source as cited inside a claim or a review."""

    class Meta:
        model = Source
        fields = ["id", "url", "title", "outlet", "published_on"]


class SourceSerializer(serializers.ModelSerializer[Source]):
    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "title",
            "outlet",
            "author",
            "published_on",
            "kind",
            "language",
            "created_at",
            "updated_at",
        ]


class SourceIngestRequestSerializer(serializers.Serializer[dict[str, str]]):
    """Bring a source in: exactly one of ``text``, ``html``, ``file`` (a multipart upload of a
    .txt, .md, .html or .pdf file) or ``url`` (fetched by a worker)."""

    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)


class IngestSerializer(serializers.ModelSerializer[Ingest]):
    """An ingest and its state; ``source`` is set once the body is in."""

    # The field is named as the model names it; the stubs see DRF's Field.source attribute.
    source = SourceSerializer(read_only=True, allow_null=True)  # type: ignore[assignment]
    candidates = serializers.SerializerMethodField()

    class Meta:
        model = Ingest
        fields = ["id", "origin", "url", "state", "error", "attempts", "source", "candidates"]

    def get_candidates(self, ingest: Ingest) -> int | None:
        """How many sentences reach the candidate threshold (null while pending)."""
        return self.context.get("candidate_count")


class CandidateMatchSerializer(serializers.Serializer[dict[str, object]]):
    claim_id = serializers.IntegerField()
    # Named as the engine names it; the stubs see DRF's Field.label attribute.
    label = serializers.ChoiceField(choices=["repeat", "conflict"])  # type: ignore[assignment]
    score = serializers.FloatField()
    claim_text = serializers.CharField()
    claim_status = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class CandidateSerializer(serializers.ModelSerializer[Candidate]):
    """A sentence of the source: ``source.body[start_offset:end_offset] == text``."""

    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    matches = CandidateMatchSerializer(many=True, read_only=True)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "position",
            "start_offset",
            "end_offset",
            "text",
            "score",
            "reasons",
            "repeat_of",
            "matches",
            "status",
            "reject_reason",
        ]
