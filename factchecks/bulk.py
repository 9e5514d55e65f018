"""Writing many new external reviews and their history rows at once.

On PostgreSQL the rows go in with ``COPY``: ids are taken from the table's sequence in one
query, so the history rows (which carry the review's id) are copied right after. Building
model instances and quoting a 20-column multi-row INSERT cost more than analysing the
reviews did. Other databases (SQLite in development) use ``bulk_create_with_history``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claimdesk.permissions import Actor, acting_user

from .models import ExternalReview

# Columns of a new review besides its key; JSON ones are written as JSON text.
_JSON_FIELDS = frozenset({"appearance_urls", "raw", "terms"})


def _columns() -> list[str]:
    return [
        f.column
        for f in ExternalReview._meta.concrete_fields
        if f.name not in ("id", "imported_at", "updated_at")
    ]


def _history_columns() -> list[str]:
    # The review's own fields the history model keeps (it leaves out raw, terms...).
    history = ExternalReview.history.model
    kept = {f.name for f in history._meta.concrete_fields}
    return [c for c in _columns() if c in kept]


def _cell(name: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if name in _JSON_FIELDS else value


def _copy(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    # Django's cursor wrapper hands ``copy`` through to psycopg's cursor.
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _new_ids(count: int) -> list[int]:
    table = ExternalReview._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def reviews_create(
    rows: Sequence[dict[str, Any]], *, actor: Actor, reason: str, batch_size: int
) -> list[int]:
    """Insert new reviews (field name -> value, ``url`` included) with a "created" history
    row each, attributed to ``actor``; the new ids, in the order of ``rows``."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = bulk_create_with_history(
            [ExternalReview(**row) for row in rows],
            ExternalReview,
            batch_size=batch_size,
            default_user=acting_user(actor),
            default_change_reason=reason,
        )
        ids = [review.pk for review in created]
        # Each auto field reads the clock itself; a new review was updated when it came in.
        for at in range(0, len(ids), batch_size):
            ExternalReview.objects.filter(pk__in=ids[at : at + batch_size]).update(
                updated_at=F("imported_at")
            )
        return ids
    now: datetime = timezone.now()
    user = acting_user(actor)
    user_id = user.pk if user is not None else None
    ids = _new_ids(len(rows))
    fields = {f.column: f.name for f in ExternalReview._meta.concrete_fields}
    columns = _columns()
    _copy(
        ExternalReview._meta.db_table,
        ["id", *columns, "imported_at", "updated_at"],
        [
            [pk, *(_cell(fields[c], row.get(fields[c])) for c in columns), now, now]
            for pk, row in zip(ids, rows, strict=True)
        ],
    )
    history = ExternalReview.history.model
    history_columns = _history_columns()
    _copy(
        history._meta.db_table,
        [
            "id",
            *history_columns,
            "imported_at",
            "updated_at",
            "history_date",
            "history_change_reason",
            "history_type",
            "history_user_id",
        ],
        [
            [
                pk,
                *(_cell(fields[c], row.get(fields[c])) for c in history_columns),
                now,
                now,
                now,
                reason,
                "+",
                user_id,
            ]
            for pk, row in zip(ids, rows, strict=True)
        ],
    )
    return ids
