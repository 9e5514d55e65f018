"""Sources: the pages where published claims appear and the evidence behind verdicts."""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework import mixins

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.filters import UpdatedSinceFilter
from claims.models import Appearance
from reviews.models import Evidence, VerdictState
from sources.api.serializers import SourceSerializer
from sources.models import Source, SourceKind


class SourceFilter(django_filters.FilterSet):
    language = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    q = django_filters.CharFilter(method="search", label="Text in the title, outlet or URL")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Source
        fields = ["language", "kind"]

    def search(self, queryset: QuerySet[Source], name: str, value: str) -> QuerySet[Source]:
        return queryset.filter(
            Q(title__icontains=value) | Q(outlet__icontains=value) | Q(url__icontains=value)
        )


class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet[Source]):
    """Publishers see sources of published claims and published evidence; staff see all."""

    queryset = Source.objects.order_by("-updated_at", "-id")
    serializer_class = SourceSerializer
    filterset_class = SourceFilter

    def for_publisher(self, queryset: QuerySet[Source], user: User) -> QuerySet[Source]:
        # Correlated EXISTS: lists carry no total count, so PostgreSQL walks the ordering index
        # and probes each candidate source by its foreign-key indexes until the page is full,
        # instead of first hashing every visible appearance and evidence row.
        published = VerdictState.PUBLISHED
        appearances = Appearance.objects.filter(source=OuterRef("pk"))
        return queryset.filter(
            Exists(appearances.filter(claim__verdicts__state=published))
            | Exists(appearances.filter(claim__api_submissions__user=user))
            | Exists(Evidence.objects.filter(source=OuterRef("pk"), verdict__state=published))
        )
