"""API representations of sources."""

from __future__ import annotations

from rest_framework import serializers

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
