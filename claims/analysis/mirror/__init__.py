"""An in-process copy of the inverted index, kept in step with the database.

Ranking in SQL aggregated a few thousand postings per claim and read the shortlist's postings
from random heap pages: about 12 ms of a 25 ms analysis at a million claims, and a batch did
not amortise it. A worker now holds the index in memory instead, as compact arrays (what
``bench_matching`` reports as ``mirror``: load time and size), and ranks there.

``ClaimTerm`` stays the one source of truth, shared by every worker on every machine. A
mirror is loaded from it once, then, before every ranking, replays the ``IndexChange`` rows
written since it last looked. A change row is written in the same transaction as its
postings, so every claim committed before the replay's statement is in the mirror: a claim
committed before a query is never missed.

Which rows are new is decided by transaction id on PostgreSQL: a sequence value is taken
before commit, so a later id can become visible first, but a transaction id below the
replay snapshot's ``xmin`` belongs to a finished transaction, whose rows that replay saw.
Rows at or above it are read again next time (replaying is idempotent; rows already applied
are skipped by id). SQLite has a single writer, so its ids arrive in commit order.

Claims written or reloaded inside an outer transaction (a test, an atomic block) may yet be
rolled back; they are reloaded from the database at the next replay.
"""

from __future__ import annotations

import threading

from django.db import connection

from .arrays import Row, surface_kinds
from .loading import FREEZE_MIN_CLAIMS, Mirror
from .precheck import PairOverlaps, Posting

__all__ = [
    "FREEZE_MIN_CLAIMS",
    "Mirror",
    "PairOverlaps",
    "Posting",
    "Row",
    "index_mirror",
    "loaded_mirror",
    "mirrors_clear",
    "surface_kinds",
]

_lock = threading.Lock()
_mirrors: dict[tuple[str, str], Mirror] = {}


def index_mirror() -> Mirror:
    """This process's mirror of the current database's index, replayed up to now."""
    key = (connection.alias, str(connection.settings_dict["NAME"]))
    with _lock:
        mirror = _mirrors.get(key)
        if mirror is None:
            mirror = _mirrors[key] = Mirror()
    mirror.replay()
    return mirror


def loaded_mirror() -> Mirror | None:
    """The current database's mirror if this process has one (no replay, no load)."""
    key = (connection.alias, str(connection.settings_dict["NAME"]))
    with _lock:
        return _mirrors.get(key)


def mirrors_clear() -> None:
    """Forget every mirror (a new database, a benchmark's cold start)."""
    with _lock:
        _mirrors.clear()
