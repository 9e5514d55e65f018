"""Claims (read, and submission by publishers) and flags (staff only)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.filters import IdFilter, UpdatedSinceFilter
from claimdesk.api.throttling import CallerRateThrottle, SubmitRateThrottle
from claimdesk.permissions import Action, is_staff_member
from claims.models import ApiSubmission, Appearance, Claim, ClaimStatus, Flag, FlagKind, FlagStatus
from claims.services import claim_submit
from factchecks.selectors import claim_checked_elsewhere
from publishing.api.claims.representations import CLAIM_COLUMNS, claims
from publishing.api.claims.serializers import (
    ClaimDetailSerializer,
    ClaimSerializer,
    ClaimSubmissionSerializer,
    FlagSerializer,
)
from reviews.models import Rating, Verdict, VerdictState
from reviews.selectors import claim_flags_rated


def _published_verdict(rating: str | None = None) -> Exists:
    verdicts = Verdict.objects.filter(claim=OuterRef("pk"), state=VerdictState.PUBLISHED)
    return Exists(verdicts.filter(rating=rating) if rating else verdicts)


class ClaimFilter(django_filters.FilterSet):
    rating = django_filters.ChoiceFilter(
        choices=Rating.choices, method="filter_rating", label="Published rating"
    )
    claimant = IdFilter(field_name="claimant", label="Claimant id")
    language = django_filters.CharFilter()
    tag = django_filters.CharFilter(field_name="tags__name", label="Tag (slug)")
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", label="Text search")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Claim
        fields = ["claimant", "language", "status"]

    def filter_rating(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(_published_verdict(value))


class ClaimViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet[Claim]
):
    """Publishers see claims with a published verdict and the claims they submitted; staff see
    every claim. ``POST`` (scope ``submit``) sends a claim to the desk's triage."""

    queryset = Claim.objects.select_related("claimant").prefetch_related(
        "tags",
        Prefetch("appearances", queryset=Appearance.objects.select_related("source")),
        Prefetch(
            "verdicts",
            queryset=Verdict.objects.filter(state=VerdictState.PUBLISHED),
            to_attr="published_verdicts",
        ),
    )
    filterset_class = ClaimFilter
    actions_required = {"create": Action.CLAIM_SUBMIT}
    throttle_classes = [CallerRateThrottle, SubmitRateThrottle]

    def base_queryset(self) -> QuerySet[Claim]:
        return super().base_queryset().order_by("-created_at", "-id")

    def for_publisher(self, queryset: QuerySet[Claim], user: User) -> QuerySet[Claim]:
        # Correlated EXISTS, probed per claim along the ordering index until the page is full
        # (lists carry no total count). The redundant ``>=`` keeps PostgreSQL from turning the
        # EXISTS into a hashed subplan, which would read every published verdict for every page.
        this = {"claim": OuterRef("pk"), "claim__gte": OuterRef("pk")}
        published = Verdict.objects.filter(**this, state=VerdictState.PUBLISHED)
        submitted = ApiSubmission.objects.filter(**this, user=user)
        return queryset.filter(Exists(published) | Exists(submitted))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Plain rows built into ClaimSerializer's shape (publishing.api.claims.representations): the
        # page's instances, prefetches and DRF fields cost more than its SQL.
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        rows = queryset.values(*CLAIM_COLUMNS)
        page = self.paginate_queryset(rows)
        body = claims(request, list(rows) if page is None else page)
        return Response(body) if page is None else self.get_paginated_response(body)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return ClaimSubmissionSerializer
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.claim_body(self.get_object()))

    def claim_body(self, claim: Claim) -> dict[str, Any]:
        """The claim with the matches its caller may see (those analysis has found so far)."""
        rows = claim_flags_rated(claim)
        if not is_staff_member(self.request.user):
            # Publishers learn of matches only with claims that have a published verdict.
            rows = [row for row in rows if row.other_rating is not None]
        context = {
            **self.get_serializer_context(),
            "matches": rows,
            # Other outlets' published fact-checks are public: every reader of the claim sees them.
            "checked_elsewhere": claim_checked_elsewhere(claim.pk),
        }
        return dict(ClaimDetailSerializer(claim, context=context).data)

    @extend_schema(
        request=ClaimSubmissionSerializer,
        responses={201: ClaimDetailSerializer, 200: ClaimDetailSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Repeat a request with the same key to get the same claim back.",
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ClaimSubmissionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        arguments = {
            "actor": request.user,
            "text": data["text"],
            "source_url": data["source_url"],
            "claimant_name": data.get("claimant", ""),
            "language": data.get("language") or "en",
            "idempotency_key": request.headers.get("Idempotency-Key", "").strip()[:200],
        }
        try:
            try:
                claim, created = claim_submit(**arguments)
            except IntegrityError:
                # A concurrent request with the same key or source won the race; the retry
                # finds what it wrote.
                claim, created = claim_submit(**arguments)
        except DjangoValidationError as exc:
            raise ValidationError(_field_errors(exc)) from None
        # Read back after commit: when analysis already finished (a fast worker, or tasks run
        # eagerly), the reply carries its matches, as a later GET would.
        body = self.claim_body(self.base_queryset().get(pk=claim.pk))
        location = request.build_absolute_uri(reverse("api:claim-detail", kwargs={"pk": claim.pk}))
        return Response(
            body,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": location},
        )


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]] | list[str]:
    """Service errors as API field errors, named as the request names the fields."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    renamed = {"url": "source_url", "name": "claimant", "__all__": "non_field_errors"}
    return {renamed.get(field, field): messages for field, messages in exc.message_dict.items()}


class FlagFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FlagKind.choices)
    status = django_filters.ChoiceFilter(choices=FlagStatus.choices)
    claim = IdFilter(method="filter_claim", label="Claim id (either side)")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Flag
        fields = ["kind", "status"]

    def filter_claim(self, queryset: QuerySet[Flag], name: str, value: int) -> QuerySet[Flag]:
        return queryset.filter(Q(claim_a=value) | Q(claim_b=value))


class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet[Flag]):
    """Possible repeats and conflicts found by analysis: internal, for the desk's staff only."""

    queryset = Flag.objects.order_by("-updated_at", "-id")
    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    actions_required = {"list": Action.API_READ_INTERNAL, "retrieve": Action.API_READ_INTERNAL}
