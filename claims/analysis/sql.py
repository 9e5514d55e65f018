"""One way to run analysis's own SQL statements, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one statement in the current transaction (if any) and return its rows.

    On PostgreSQL the parameters are bound on the server (no literal arrays composed in
    Python) and the statement is prepared once per connection: analysis runs the same few
    statements again and again, and planning the largest cost more than running it. Django
    leaves preparing off for connection poolers in transaction mode; these statements are
    run by workers, which usually hold their own connections (``ANALYSIS_PREPARED_STATEMENTS``
    turns it off for a pooler that cannot keep prepared statements).
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=settings.ANALYSIS_PREPARED_STATEMENTS or None)
        return list(cursor.fetchall()) if cursor.description else []


def any_of(column: str, values: list[int]) -> tuple[str, list[Any]]:
    """``column`` among ``values``: one array parameter on PostgreSQL (the statement's text
    stays the same whatever the count, so it is prepared once), a list on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


# A text array passed as one string and cut on the server (PostgreSQL): psycopg escapes each
# element of a list parameter in Python, which for a batch's postings and flags cost more
# than the statements. The unit separator never occurs in terms, words or JSON (which
# escapes control characters); the leading one keeps an array of one empty string apart from
# an empty array (None).
TEXT_ARRAY = "(string_to_array(CAST(%s AS text), chr(31)))[2:]"


def text_array(values: Iterable[str]) -> str | None:
    """The parameter for ``TEXT_ARRAY``."""
    items = [value.replace("\x1f", " ") for value in values]
    return "\x1f" + "\x1f".join(items) if items else None
