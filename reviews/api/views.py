"""Claim reviews: published verdicts, as JSON or schema.org ClaimReview JSON-LD."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import BaseSerializer

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.filters import UpdatedSinceFilter
from claimdesk.api.pagination import SequencePagination
from claimdesk.api.renderers import JSONLDRenderer
from claims.models import Appearance
from reviews.api.serializers import (
    ClaimReviewJSONLDSerializer,
    ClaimReviewSerializer,
    ReviewChangeSerializer,
)
from reviews.models import Evidence, Rating, ReviewChange, Verdict, VerdictState


class ClaimReviewFilter(django_filters.FilterSet):
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    claimant = django_filters.NumberFilter(field_name="claim__claimant", label="Claimant id")
    language = django_filters.CharFilter(field_name="claim__language")
    tag = django_filters.CharFilter(field_name="claim__tags__name", label="Tag (slug)")
    q = django_filters.CharFilter(method="search", label="Text in the claim, headline or body")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Verdict
        fields = ["rating"]

    def search(self, queryset: QuerySet[Verdict], name: str, value: str) -> QuerySet[Verdict]:
        return queryset.filter(
            Q(claim__text__icontains=value)
            | Q(headline__icontains=value)
            | Q(explanation__icontains=value)
        )


@extend_schema_view(
    list=extend_schema(description="Published verdicts, newest first."),
    retrieve=extend_schema(description="One published verdict."),
)
class ClaimReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet[Verdict]):
    """Published verdicts only, for every caller: drafts and retracted verdicts never leave the
    desk through the API. ``Accept: application/ld+json`` or ``?format=jsonld`` gives
    schema.org ClaimReview."""

    queryset = (
        Verdict.objects.filter(state=VerdictState.PUBLISHED)
        .select_related("claim__claimant")
        .prefetch_related(
            "claim__tags",
            Prefetch("claim__appearances", queryset=Appearance.objects.select_related("source")),
            Prefetch("evidence", queryset=Evidence.objects.select_related("source")),
        )
        .order_by("-published_at", "-id")
    )
    filterset_class = ClaimReviewFilter
    renderer_classes = [JSONRenderer, JSONLDRenderer]

    def for_publisher(self, queryset: QuerySet[Verdict], user: User) -> QuerySet[Verdict]:
        return queryset

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return ClaimReviewJSONLDSerializer if self.wants_jsonld() else ClaimReviewSerializer


class ChangeViewSet(mixins.ListModelMixin, ScopedViewSet[ReviewChange]):
    """The change feed: every publication, correction and retraction, in order.

    Follow ``next`` (``?after=<id>``) to sync; store it and poll it later for newer changes.
    """

    queryset = ReviewChange.objects.select_related("verdict__claim__claimant").prefetch_related(
        "verdict__claim__tags",
        Prefetch(
            "verdict__claim__appearances", queryset=Appearance.objects.select_related("source")
        ),
        Prefetch("verdict__evidence", queryset=Evidence.objects.select_related("source")),
    )
    serializer_class = ReviewChangeSerializer
    pagination_class = SequencePagination
    filter_backends: list[Any] = []

    def for_publisher(self, queryset: QuerySet[ReviewChange], user: User) -> QuerySet[ReviewChange]:
        return queryset
