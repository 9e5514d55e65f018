"""The base viewset every API endpoint derives from: queryset scoping by caller, in one place.

A resource says what publishers and what staff may see (``for_publisher`` / ``for_staff``);
``get_queryset`` applies the right one and cannot be overridden, so no view can forget it.
Anyone else sees nothing. GET responses also get an ``ETag`` and answer ``If-None-Match``
with 304.
"""

from __future__ import annotations

import hashlib
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, QuerySet
from django.http import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from claimdesk.api.renderers import JSONLDRenderer
from claimdesk.permissions import is_publisher, is_staff_member

M = TypeVar("M", bound=Model)


class ScopedViewSet(GenericViewSet[M], Generic[M]):
    """Filters the queryset by the caller; subclasses define the two views of the data."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset; define base_queryset, for_publisher "
                "and for_staff instead so scoping by caller stays in ScopedViewSet."
            )

    def base_queryset(self) -> QuerySet[M]:
        """All rows of the resource, with what the serializer needs joined or prefetched."""
        assert self.queryset is not None, f"{type(self).__name__} needs a queryset"
        return self.queryset.all()

    def for_publisher(self, queryset: QuerySet[M], user: User) -> QuerySet[M]:
        """What a publisher may see; nothing unless the resource says otherwise."""
        return queryset.none()

    def for_staff(self, queryset: QuerySet[M], user: User) -> QuerySet[M]:
        """What editors and fact-checkers may see: everything unless the resource narrows it."""
        return queryset

    def get_queryset(self) -> QuerySet[M]:
        user: User | AnonymousUser = self.request.user
        queryset = self.base_queryset()
        if isinstance(user, User) and is_staff_member(user):
            return self.for_staff(queryset, user)
        if isinstance(user, User) and is_publisher(user):
            return self.for_publisher(queryset, user)
        return queryset.none()

    def wants_jsonld(self) -> bool:
        request = getattr(self, "request", None)
        return isinstance(getattr(request, "accepted_renderer", None), JSONLDRenderer)

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        # What a caller sees depends on who they are and the format they asked for.
        patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if isinstance(response, Response):
            response.render()
        body = getattr(response, "content", b"")
        response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        # Shared caches must not keep one caller's view for another; clients revalidate.
        patch_cache_control(response, private=True, no_cache=True)
        conditional = get_conditional_response(
            request._request, etag=response["ETag"], response=response
        )
        return conditional or response
