"""A throw-away database for benchmarks, so measuring never touches real data.

(The lead may add a shared ``claims/benchdb.py``; this is the queue's minimal own version.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)


@contextmanager
def temporary_database(prefix: str = "bench_") -> Iterator[str]:
    """Create and migrate a fresh copy of the default database, and drop it afterwards.

    It is named ``<prefix><database name>`` rather than Django's ``test_…`` so a benchmark can
    run beside the test suite. Yields the temporary database's name.
    """
    connection = connections["default"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor != "sqlite":
        test_settings["NAME"] = f"{prefix}{connection.settings_dict['NAME']}"
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        yield str(connection.settings_dict["NAME"])
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()
