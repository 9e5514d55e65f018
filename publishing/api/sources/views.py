"""Sources: the pages where published claims appear and the evidence behind verdicts."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from claimdesk.api.base import ScopedViewSet
from claimdesk.api.errors import LimitedJSONParser
from claimdesk.api.filters import UpdatedSinceFilter
from claimdesk.api.throttling import CallerRateThrottle, SubmitRateThrottle
from claimdesk.permissions import Action
from claims.models import Appearance
from ingest.extract import max_bytes
from ingest.models import Ingest, IngestState
from ingest.selectors import ranked_candidates
from ingest.services import Submitted, ingest_submit, threshold
from publishing.api.sources.representations import SOURCE_LIST_COLUMNS, sources
from publishing.api.sources.serializers import (
    CandidateSerializer,
    IngestSerializer,
    SourceIngestRequestSerializer,
    SourceSerializer,
)
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
    """Publishers see sources of published claims and published evidence; staff see all.

    Staff and publishers (a session, or a token with the ``submit`` scope) bring a source in
    with ``POST``; a publisher then sees the sources they submitted. Candidate sentences
    (``candidates/``) are the desk's own work and stay with staff."""

    queryset = Source.objects.order_by("-updated_at", "-id")
    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    actions_required = {"create": Action.SOURCE_SUBMIT, "candidates": Action.API_READ_INTERNAL}
    throttle_classes = [CallerRateThrottle, SubmitRateThrottle]
    # JSON as everywhere, and multipart for a file upload (its size is capped by ingest).
    parser_classes = [LimitedJSONParser, MultiPartParser]

    @extend_schema(
        request=SourceIngestRequestSerializer,
        responses={
            201: IngestSerializer,
            200: IngestSerializer,
            202: IngestSerializer,
            400: OpenApiResponse(description="Field errors: nothing was created."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Ingest ``text``, ``html`` or a ``file`` now (201; 200 when the same content is already
        a source), or queue ``url`` for a worker (202; poll the ingest through its source)."""
        incoming = SourceIngestRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        upload = data.get("file")
        submitted = Submitted(
            text=data.get("text", ""),
            html=data.get("html", ""),
            url=data.get("url", ""),
            title=data.get("title", ""),
            file_name=upload.name if upload else "",
            # One byte past the cap: an over-size upload is refused without reading it all.
            file_data=upload.read(max_bytes() + 1) if upload else None,
        )
        try:
            ingest, created = ingest_submit(actor=request.user, submitted=submitted)
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else list(exc.messages)
            ) from None
        count = (
            ranked_candidates(ingest.source, minimum=threshold()).count()
            if ingest.source is not None
            else None
        )
        body = IngestSerializer(ingest, context={"candidate_count": count}).data
        code: int
        if ingest.state == IngestState.PENDING:
            code = status.HTTP_202_ACCEPTED
        else:
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(body, status=code)

    @extend_schema(
        responses={200: CandidateSerializer(many=True)},
        parameters=[
            OpenApiParameter(
                "all", bool, description="Every sentence, not only those at the threshold."
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def candidates(self, request: Request, pk: str | None = None) -> Response:
        """The source's candidate sentences, best first, with offsets, reasons and matches."""
        source = self.get_object()
        wants_all = request.query_params.get("all", "").lower() in ("1", "true", "yes")
        rows = ranked_candidates(source, minimum=0.0 if wants_all else threshold())
        return Response(CandidateSerializer(rows, many=True).data)

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
            | Exists(Ingest.objects.filter(**this, created_by=user))
        )
