"""Pagination: page numbers for browsing, keyset over a sequence for the change feed."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class Pagination(PageNumberPagination):
    """Page numbers without a total count.

    Counting the caller's visible rows cost more than reading the page itself on a large desk
    (the visibility rules make PostgreSQL walk every row), so a page reads one row more than it
    shows to learn whether a next page exists, and gives no ``count``.
    """

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        size = self.get_page_size(request)
        if not size:
            return None
        raw = request.query_params.get(self.page_query_param, "1")
        if not _whole(raw) or int(raw) < 1:
            raise NotFound(self.invalid_page_message.format(page_number=raw, message="not a page"))
        self.number = int(raw)
        offset = (self.number - 1) * size
        if offset > MAX_ROW:
            # No table holds that many rows; the database would refuse the offset itself.
            raise NotFound(
                self.invalid_page_message.format(page_number=raw, message="past the last page")
            )
        rows = list(queryset[offset : offset + size + 1])
        if not rows and self.number > 1:
            raise NotFound(
                self.invalid_page_message.format(page_number=raw, message="past the last page")
            )
        self.has_next = len(rows) > size
        self.rows = rows[:size]
        return self.rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_next_link(self) -> str | None:
        if not self.has_next or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1 or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


# The largest id or offset a database column holds (64-bit signed).
MAX_ROW = 2**63 - 1


def _whole(raw: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²" and other digits int() refuses.
    return raw.isascii() and raw.isdigit()


def _row_id(row: Any) -> int:
    """A row's id, whether the view paginated model instances or ``values()`` dicts."""
    return int(row["id"] if isinstance(row, dict) else row.pk)


class SequencePagination(BasePagination):
    """Keyset pagination over a monotonic id for sync feeds: ``?after=<id>``.

    ``next`` is always given, even on the last page (it then repeats ``after``), so a client
    stores it and polls it later; it never skips or repeats an entry.
    """

    page_size = 50  # a full review per entry: 100 of them took most of a request
    max_page_size = 500

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        raw_after = request.query_params.get("after", "0")
        raw_size = request.query_params.get("page_size", str(self.page_size))
        errors: dict[str, str] = {}
        if not _whole(raw_after) or int(raw_after) > MAX_ROW:
            errors["after"] = "A change id (a whole number, 0 to start)."
        if not _whole(raw_size) or not 1 <= int(raw_size) <= self.max_page_size:
            errors["page_size"] = f"A whole number from 1 to {self.max_page_size}."
        if errors:
            raise ValidationError(errors)
        self.after = int(raw_after)
        self.request = request
        size = int(raw_size)
        rows = list(queryset.filter(pk__gt=self.after).order_by("pk")[: size + 1])
        self.has_more = len(rows) > size
        self.rows = rows[:size]
        return self.rows

    def get_paginated_response(self, data: Any) -> Response:
        last = _row_id(self.rows[-1]) if self.rows else self.after
        url = replace_query_param(self.request.build_absolute_uri(), "after", last)
        return Response({"next": url, "has_more": self.has_more, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "has_more", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri"},
                "has_more": {"type": "boolean"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": "Return changes after this id (0 or absent: from the start).",
                "schema": {"type": "integer", "minimum": 0},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
