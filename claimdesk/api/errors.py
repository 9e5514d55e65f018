"""One shape for every API error: ``{"field": ["message", ...]}``.

Validation errors name their field; errors about the request as a whole (authentication,
permission, not found, throttling, a body too large) use ``detail``, and errors about several
fields at once ``non_field_errors``, always with a list of messages, so a client reads every
error the same way. Nested fields are named with dots (``appearances.0.url``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler

ErrorBody = dict[str, list[str]]


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is over the limit of {limit} bytes.")


def error_body(detail: Any) -> ErrorBody:
    """DRF's error detail (a string, a list or a nested dict) as field -> list of messages."""
    if isinstance(detail, dict):
        body: ErrorBody = {}
        for field, value in detail.items():
            _collect(body, str(field), value)
        return body
    if isinstance(detail, list):
        return {"non_field_errors": _messages(detail)}
    return {"detail": [str(detail)]}


def _collect(body: ErrorBody, field: str, value: Any) -> None:
    if isinstance(value, dict) and value and all(isinstance(key, int) for key in value):
        # A list field's errors per item (DRF keys them by position): the field's own
        # messages, each saying which item it is about.
        for index, inner in sorted(value.items()):
            body.setdefault(field, []).extend(
                f"Item {index + 1}: {message}" for message in _messages(inner)
            )
    elif isinstance(value, dict):
        for key, inner in value.items():
            _collect(body, f"{field}.{key}", inner)
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        # A nested serializer's errors per row (``appearances.0.url``).
        for index, inner in enumerate(value):
            if inner:
                _collect(body, f"{field}.{index}", inner)
    else:
        body.setdefault(field, []).extend(_messages(value))


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error body in the one shape and an over-limit body a 413."""
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = exception_handler(exc, context)
    if response is not None:
        response.data = error_body(response.data)
    return response


class LimitedJSONParser(JSONParser):
    """JSON bodies up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; larger ones are a JSON 413.

    DRF reads the body from the request stream, which skips Django's own size check
    (``request.body``), so the limit is applied here: to the declared length, and to what is
    read, so that no more than the limit is ever held in memory.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            request = (parser_context or {}).get("request")
            declared = getattr(request, "META", {}).get("CONTENT_LENGTH") or "0"
            if declared.isdigit() and int(declared) > limit:
                raise RequestTooLarge()
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise RequestTooLarge()
            stream = io.BytesIO(data)
        return super().parse(stream, media_type, parser_context)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> Any:
    """404 for paths outside every route: the one error shape under /api/, Django's page
    elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": ["No such endpoint."]}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Exception())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> Any:
    """400 (and 413 for a body over Django's own limit) outside DRF's views."""
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"detail": [str(RequestTooLarge().detail)]}, status=413)
    if _is_api(request):
        return JsonResponse({"detail": ["Bad request."]}, status=400)
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception or Exception())


def server_error(request: HttpRequest) -> Any:
    """500: JSON under /api/ (never an HTML page to an API client), Django's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": ["Server error; it has been logged."]}, status=500)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
