"""Sources: the pages where published claims appear and the evidence behind verdicts."""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
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
        # IN (subquery) rather than OR-ed EXISTS: PostgreSQL hashes each subquery once instead
        # of probing both for every source, which matters for the page count.
        visible = Q(claim__verdicts__state=VerdictState.PUBLISHED) | Q(
            claim__api_submissions__user=user
        )
        return queryset.filter(
            Q(pk__in=Appearance.objects.filter(visible).values("source_id"))
            | Q(
                pk__in=Evidence.objects.filter(verdict__state=VerdictState.PUBLISHED).values(
                    "source_id"
                )
            )
        )
