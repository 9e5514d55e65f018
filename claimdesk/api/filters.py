"""Filter pieces shared by the API's filter sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC.

    Python accepts UTC offsets up to ±23:59 but PostgreSQL only up to ±15:59; converting here
    keeps any valid input a valid query, and a value that falls off the calendar once converted
    becomes a field error instead of a server error.
    """

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed: dt.datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ValidationError(
                "Enter a date/time within the calendar.", code="invalid"
            ) from None


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """``updated_since``: rows changed at or after an ISO 8601 date-time."""

    field_class = UtcIsoDateTimeField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault("label", "Changed at or after (ISO 8601)")
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within the database's key range, or a field error (an id past
    the 64-bit range would otherwise reach the database and fail there as a server error)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(**kwargs)
