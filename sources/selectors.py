"""Reads of sources."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from sources.models import Source


def source_list_with_counts() -> QuerySet[Source]:
    """Sources with how many appearances and evidence items point at them."""
    return Source.objects.annotate(
        appearance_count=Count("appearances", distinct=True),
        evidence_count=Count("evidence", distinct=True),
    )
