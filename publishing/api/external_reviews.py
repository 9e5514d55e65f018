"""Other outlets' fact-checks as imported (staff only): ``/api/v1/external-reviews/``."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from rest_framework import mixins, serializers

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.filters import UpdatedSinceFilter
from claimdesk.permissions import Action
from factchecks.models import ExternalReview, NormalisedRating
from factchecks.services import IMPORTED_FIELDS


class ExternalReviewSerializer(serializers.ModelSerializer[ExternalReview]):
    class Meta:
        model = ExternalReview
        # Everything an import writes but the raw item (the fields read from it are here).
        fields = [
            "id",
            "url",
            *(name for name in IMPORTED_FIELDS if name != "raw"),
            "imported_at",
            "updated_at",
        ]
        read_only_fields = fields


class ExternalReviewFilter(django_filters.FilterSet):
    publisher = django_filters.CharFilter(
        method="filter_publisher", help_text="Outlet name or site, exactly (case ignored)."
    )
    rating = django_filters.ChoiceFilter(
        field_name="normalised_rating", choices=NormalisedRating.choices
    )
    language = django_filters.CharFilter(field_name="language", lookup_expr="iexact")
    updated_since = UpdatedSinceFilter()

    def filter_publisher(
        self, queryset: QuerySet[ExternalReview], name: str, value: str
    ) -> QuerySet[ExternalReview]:
        return queryset.filter(Q(publisher_site__iexact=value) | Q(publisher_name__iexact=value))


class ExternalReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet[ExternalReview]
):
    """Fact-checks published by other outlets, as imported: for the desk's staff."""

    queryset = ExternalReview.objects.order_by("-updated_at", "-id")
    serializer_class = ExternalReviewSerializer
    filterset_class = ExternalReviewFilter
    actions_required = {"list": Action.API_READ_INTERNAL, "retrieve": Action.API_READ_INTERNAL}
