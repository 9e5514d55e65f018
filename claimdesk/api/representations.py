"""Formatting shared by the API's plain-dict representations (see publishing.api.representations).

Each function writes a value exactly as the DRF field the schema names would, so a response
built from ``values()`` rows is the one the serializer would have given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone


def datetime_writer() -> Callable[[dt.datetime | None], str | None]:
    """Writes datetimes as DRF's DateTimeField does (in the current time zone, UTC as ``Z``).

    The current time zone is looked up once, when the writer is made for a page: the lookup
    (a context-local read) cost more than the formatting on pages of a few hundred values.
    """
    zone = timezone.get_current_timezone() if settings.USE_TZ else None

    def write(value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        text = (value.astimezone(zone) if zone is not None else value).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


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


def claimant_brief(row: dict[str, Any], prefix: str = "") -> dict[str, Any] | None:
    """The claimant of a ``values()`` row as the API shows it, or None; ``prefix`` is the path
    to the claim ("claim__" on a verdict row)."""
    claimant_id = row[f"{prefix}claimant_id"]
    if claimant_id is None:
        return None
    return {
        "id": claimant_id,
        "name": row[f"{prefix}claimant__name"],
        "kind": row[f"{prefix}claimant__kind"],
        "affiliation": row[f"{prefix}claimant__affiliation"],
    }
