"""Claim reviews: published verdicts, as JSON or schema.org ClaimReview JSON-LD."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.filters import IdFilter, UpdatedSinceFilter
from claimdesk.api.pagination import SequencePagination
from claimdesk.api.renderers import JSONLDRenderer
from claimdesk.permissions import Action
from publishing.api.representations import CHANGE_COLUMNS, changes, claim_reviews
from publishing.api.serializers import (
    ClaimReviewJSONLDSerializer,
    ClaimReviewSerializer,
    ReviewChangeSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from publishing.models import ApiScope, ReviewChange, WebhookEndpoint
from publishing.webhook_services import webhook_endpoint_create, webhook_endpoint_delete
from reviews.models import Rating, Verdict, VerdictState
from reviews.selectors import REVIEW_COLUMNS


class ClaimReviewFilter(django_filters.FilterSet):
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    claimant = IdFilter(field_name="claim__claimant", label="Claimant id")
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


# Each representation under its own media type, so clients (and schemathesis) validate JSON-LD
# answers (``Accept: application/ld+json`` or ``?format=jsonld``) against the JSON-LD shape.
# The JSON-LD representation is built, not declared field by field, so its schema is written
# here: what Google requires and recommends, other schema.org properties allowed.
_JSONLD_REVIEW: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "@type", "url", "claimReviewed", "reviewRating", "author"],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org"]},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "url": {"type": "string", "format": "uri"},
        "claimReviewed": {"type": "string"},
        "reviewRating": {
            "type": "object",
            "required": ["@type", "alternateName"],
            "properties": {
                "@type": {"type": "string"},
                "alternateName": {"type": "string"},
                "ratingValue": {"type": "integer", "minimum": 1, "maximum": 5},
                "bestRating": {"type": "integer"},
                "worstRating": {"type": "integer"},
            },
        },
        "author": {"type": "object"},
        "itemReviewed": {"type": "object"},
        "datePublished": {"type": "string"},
        "dateModified": {"type": "string"},
    },
}


@extend_schema_view(
    list=extend_schema(
        description="Published verdicts, newest first.",
        responses={
            (200, "application/json"): ClaimReviewSerializer(many=True),
            # Paginated by drf-spectacular like the JSON list.
            (200, "application/ld+json"): _JSONLD_REVIEW,
        },
    ),
    retrieve=extend_schema(
        description="One published verdict.",
        responses={
            (200, "application/json"): ClaimReviewSerializer,
            (200, "application/ld+json"): _JSONLD_REVIEW,
        },
    ),
)
class ClaimReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet[Verdict]):
    """Published verdicts only, for every caller: drafts and retracted verdicts never leave the
    desk through the API. ``Accept: application/ld+json`` or ``?format=jsonld`` gives
    schema.org ClaimReview."""

    # Rows are read with values() and built into dicts (publishing.api.representations); the
    # serializers describe them in the schema.
    queryset = Verdict.objects.filter(state=VerdictState.PUBLISHED).order_by("-published_at", "-id")
    filterset_class = ClaimReviewFilter
    renderer_classes = [JSONRenderer, JSONLDRenderer]

    def for_publisher(self, queryset: QuerySet[Verdict], user: User) -> QuerySet[Verdict]:
        return queryset

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return ClaimReviewJSONLDSerializer if self.wants_jsonld() else ClaimReviewSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.filter_queryset(self.get_queryset()).values(*REVIEW_COLUMNS)
        page = self.paginate_queryset(rows)
        body = claim_reviews(
            request, list(rows) if page is None else page, jsonld=self.wants_jsonld()
        )
        return Response(body) if page is None else self.get_paginated_response(body)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.filter_queryset(self.get_queryset()).values(*REVIEW_COLUMNS)
        row = get_object_or_404(rows, pk=kwargs["pk"])
        # The rule table decides on the row's values as it would on the instance (reading a
        # published review needs no more than the API_READ the request already passed).
        self.check_object_permissions(request, row)
        return Response(claim_reviews(request, [row], jsonld=self.wants_jsonld())[0])


class ChangeViewSet(mixins.ListModelMixin, ScopedViewSet[ReviewChange]):
    """The change feed: every publication, correction and retraction, in order.

    Follow ``next`` (``?after=<id>``) to sync; store it and poll it later for newer changes.
    """

    queryset = ReviewChange.objects.all()
    serializer_class = ReviewChangeSerializer
    pagination_class = SequencePagination
    filter_backends: list[Any] = []

    def for_publisher(self, queryset: QuerySet[ReviewChange], user: User) -> QuerySet[ReviewChange]:
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # One query for the changes with their verdicts, claims and claimants, and three for
        # the published reviews' relations, read as plain rows (see representations).
        rows = self.filter_queryset(self.get_queryset()).values(*CHANGE_COLUMNS)
        page = self.paginate_queryset(rows)
        assert page is not None, "the change feed is always paginated"
        return self.get_paginated_response(changes(request, page))


class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet[WebhookEndpoint],
):
    """Endpoints that receive change events, signed per Standard Webhooks. Each publisher sees
    and manages its own; the ``read`` scope is enough, as webhooks only push what they may read.
    """

    queryset = WebhookEndpoint.objects.order_by("-created_at", "-id")
    serializer_class = WebhookEndpointSerializer
    filter_backends: list[Any] = []
    # Paginated like every other list (``page``, ``page_size``; ``next`` until it is null).
    actions_required = {"create": Action.WEBHOOK_MANAGE, "destroy": Action.WEBHOOK_MANAGE}
    write_scope = ApiScope.READ

    def for_publisher(
        self, queryset: QuerySet[WebhookEndpoint], user: User
    ) -> QuerySet[WebhookEndpoint]:
        return queryset.filter(user=user)

    def for_staff(
        self, queryset: QuerySet[WebhookEndpoint], user: User
    ) -> QuerySet[WebhookEndpoint]:
        return queryset.filter(user=user)

    @extend_schema(
        request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = WebhookEndpointSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            endpoint, secret = webhook_endpoint_create(
                actor=request.user,
                url=incoming.validated_data["url"],
                events=incoming.validated_data["events"],
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        body = WebhookEndpointCreatedSerializer(endpoint, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhook_endpoint_delete(actor=self.request.user, endpoint=instance)
