"""A throw-away database for benchmark and evaluation commands.

Benchmarks load thousands of synthetic claims and write flags; doing that in the desk's own
database would bury editors' work. ``temporary_database`` creates a fresh, migrated copy of the
schema (Django's test-database machinery: ``test_<name>`` on PostgreSQL, in memory on SQLite),
points the connection at it for the duration of the block and drops it afterwards::

    with temporary_database():
        ...  # every query here runs against the temporary database
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

from claims.analysis import analysis_caches_clear
from claims.semantic_index import reset_cache


@contextmanager
def temporary_database(alias: str = "default", *, verbosity: int = 0) -> Iterator[str]:
    """Run the block against a new, migrated database; yields its name.

    The original database name is restored, and the temporary database dropped, even when the
    block fails. An existing temporary database of the same name (a crashed earlier run) is
    replaced without asking.
    """
    connection = connections[alias]
    original = connection.settings_dict["NAME"]
    # Statistics and analysed texts cached for the desk's database must not leak into the
    # benchmark's, nor the other way round.
    analysis_caches_clear()
    reset_cache()
    name = connection.creation.create_test_db(
        verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False
    )
    try:
        yield name
    finally:
        analysis_caches_clear()
        reset_cache()
        connection.creation.destroy_test_db(original, verbosity=verbosity, keepdb=False)
