"""Formatting shared by the API's plain-dict representations (see reviews.api.representations).

Each function writes a value exactly as the DRF field the schema names would, so a response
built from ``values()`` rows is the one the serializer would have given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone


def iso_datetime(value: dt.datetime | None) -> str | None:
    """As DRF's DateTimeField writes it: in the current time zone, UTC as ``Z``."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat() if settings.USE_TZ else value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: dt.date | None) -> str | None:
    """As DRF's DateField writes it."""
    return value.isoformat() if value is not None else None


def source_brief(row: dict[str, Any]) -> dict[str, Any]:
    """``SourceBriefSerializer``'s shape, from a row carrying ``claims.selectors.SOURCE_COLUMNS``."""
    return {
        "id": row["source_id"],
        "url": row["source__url"],
        "title": row["source__title"],
        "outlet": row["source__outlet"],
        "published_on": iso_date(row["source__published_on"]),
    }
