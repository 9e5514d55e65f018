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


@contextmanager
def kept_database(name: str, alias: str = "default", *, verbosity: int = 0) -> Iterator[str]:
    """Run the block against the database ``name``, created and migrated if missing, and keep it.

    For benchmarks whose data takes long to build (a million claims): the first run builds
    into it, later runs reuse what is there. The connection is pointed back at the desk's
    database afterwards; the kept database is never dropped here.
    """
    connection = connections[alias]
    original = connection.settings_dict["NAME"]
    if name == original:
        raise ValueError("the kept benchmark database must not be the desk's own database")
    test_settings = connection.settings_dict.setdefault("TEST", {})
    previous_test_name = test_settings.get("NAME")
    test_settings["NAME"] = name
    analysis_caches_clear()
    try:
        created = connection.creation.create_test_db(
            verbosity=verbosity, autoclobber=False, serialize=False, keepdb=True
        )
        try:
            yield created
        finally:
            analysis_caches_clear()
            # keepdb=True only closes the connection and restores the desk's name.
            connection.creation.destroy_test_db(original, verbosity=verbosity, keepdb=True)
    finally:
        test_settings["NAME"] = previous_test_name
