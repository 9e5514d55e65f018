"""One way to run analysis's own SQL statements, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from typing import Any

from django.db import connection


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one statement in the current transaction (if any) and return its rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []
