"""One way to run analysis's own SQL statements, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

# A prepare threshold no statement reaches by being run often: only explicit requests prepare.
_EXPLICIT_ONLY = 2**62


def fetch(sql: str, params: list[Any], *, prepare: bool = True) -> list[tuple[Any, ...]]:
    """Run one statement in the current transaction (if any) and return its rows.

    On PostgreSQL the parameters are bound on the server (no literal arrays composed in
    Python) and the statement is prepared once per connection, with one generic plan:
    analysis runs the same few statements again and again, and parsing and planning them
    cost more than running most of them. Every statement sent here must therefore have a
    good plan whatever its parameters; ``prepare=False`` is for one that does not (a range
    whose width only the value tells). Django leaves preparing off for connection poolers in
    transaction mode; ``ANALYSIS_PREPARED_STATEMENTS`` turns it off here too.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
    connection.ensure_connection()
    raw = connection.connection
    prepare = prepare and bool(settings.ANALYSIS_PREPARED_STATEMENTS)
    if prepare and raw.prepare_threshold is None:
        if connection.in_atomic_block:
            # The session setting made below would be undone if this transaction rolled
            # back; the first statement run outside one turns preparing on instead.
            prepare = False
        else:
            _prepare_here(raw)
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=prepare or None)
        return list(cursor.fetchall()) if cursor.description else []


def _prepare_here(raw: psycopg.Connection[Any]) -> None:
    # Django leaves the connection's threshold at None, and psycopg then ignores even an
    # explicit ``prepare=True``. Django's own cursors bind on the client and never prepare,
    # so a threshold nothing reaches enables exactly the requests made here, and the plan
    # setting below reaches only these statements too. Without it PostgreSQL plans each run
    # afresh whenever the plan it would keep is estimated dearer: for "id = ANY(array)" it
    # assumes ten elements, so the lookups of a claim or two were planned every time.
    raw.prepare_threshold = _EXPLICIT_ONLY
    with connection.wrap_database_errors, raw.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")


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
