"""Sources: the pages where published claims appear and the evidence behind verdicts."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.filters import UpdatedSinceFilter
from claims.models import Appearance
from publishing.api.sources.representations import SOURCE_LIST_COLUMNS, sources
from publishing.api.sources.serializers import SourceSerializer
from reviews.models import Evidence, VerdictState
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

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Plain rows in SourceSerializer's shape (publishing.api.sources.representations).
        rows = self.filter_queryset(self.get_queryset()).values(*SOURCE_LIST_COLUMNS)
        page = self.paginate_queryset(rows)
        body = sources(list(rows) if page is None else page)
        return Response(body) if page is None else self.get_paginated_response(body)

    def for_publisher(self, queryset: QuerySet[Source], user: User) -> QuerySet[Source]:
        # Correlated EXISTS, probed per source along the ordering index until the page is full
        # (lists carry no total count). The redundant ``>=`` keeps PostgreSQL from turning each
        # EXISTS into a hashed subplan, which would read every visible row for every page.
        published = VerdictState.PUBLISHED
        this = {"source": OuterRef("pk"), "source__gte": OuterRef("pk")}
        appearances = Appearance.objects.filter(**this)
        return queryset.filter(
            Exists(appearances.filter(claim__verdicts__state=published))
            | Exists(appearances.filter(claim__api_submissions__user=user))
            | Exists(Evidence.objects.filter(**this, verdict__state=published))
        )
