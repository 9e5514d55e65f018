"""The sources list built as plain dicts from ``values()`` rows (``SourceSerializer``'s shape).

As for claims and reviews: the serializer describes the response in the schema, tests check
both agree, and this path skips model instances and DRF fields for every row of a page (and
never reads the stored body text, which the list does not show).
"""

from __future__ import annotations

from typing import Any

from claimdesk.api.representations import datetime_writer, iso_date
from publishing.api.sources.serializers import SourceSerializer

# The serializer's fields: the schema and this path list the same columns.
SOURCE_LIST_COLUMNS: tuple[str, ...] = tuple(SourceSerializer.Meta.fields)


def sources(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of ``SOURCE_LIST_COLUMNS`` rows as sources: no further queries."""
    write_datetime = datetime_writer()
    return [
        {
            **row,
            "published_on": iso_date(row["published_on"]),
            "created_at": write_datetime(row["created_at"]),
            "updated_at": write_datetime(row["updated_at"]),
        }
        for row in rows
    ]
