"""Loading the mirror from ``ClaimTerm`` and keeping it in step by replaying ``IndexChange``."""

from __future__ import annotations

import gc
import logging
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from claims.engine.compare import is_content_term
from claims.models import ClaimTerm, IndexChange

from ..sql import any_of, fetch
from .arrays import Row, _Base, _Doc, _empty, _State, surface_kinds
from .precheck import Overlaps
from .ranking import Ranking

log = logging.getLogger(__name__)

# A mirror of at least this many claims is moved out of the cyclic collector's sight.
FREEZE_MIN_CLAIMS = 100_000


class Mirror(Ranking, Overlaps):
    """The inverted index of one database, in memory; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._state = _State()
        self._loaded = False
        # Replay position: a transaction id (PostgreSQL) or a change id (SQLite).
        self._mark = 0
        # PostgreSQL: change ids already applied among the rows at or above ``_mark``.
        self._applied: set[int] = set()
        self._dirty: set[int] = set()
        self._replayed_at = 0.0
        self.load_seconds = 0.0

    # ----------------------------------------------------------------- statistics
    @property
    def n_docs(self) -> int:
        return self._state.alive + len(self._state.docs)

    @property
    def avg_len(self) -> float:
        docs = self.n_docs
        return self._state.total_len / docs if docs else 0.0

    def doc_freq(self, term: str) -> int:
        tid = self._state.vocab.get(term)
        return len(self._state.ids[tid]) if tid is not None else 0

    # ----------------------------------------------------------------- keeping in step
    def replay(self) -> None:
        """Load the index if this mirror is new (or too far behind), else replay the changes
        committed since the last replay."""
        with self._lock:
            stale = time.monotonic() - self._replayed_at > _feed_seconds() / 2
            if not self._loaded or stale:
                self._load()
                return
            changed = self._changes()
            self._reload(changed | self._dirty)
            self._replayed_at = time.monotonic()

    def _changes(self) -> set[int]:
        table = connection.ops.quote_name(IndexChange._meta.db_table)
        if connection.vendor == "postgresql":
            # One statement: the rows and the xmin of the snapshot they were read in.
            rows = fetch(
                f"""
                SELECT x.xmin, c.id, c.claim_id, c.txid
                FROM (SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text)
                             AS bigint) AS xmin) AS x
                LEFT JOIN {table} c ON c.txid >= %s
                """,  # noqa: S608
                [self._mark],
                # Not prepared: a generic plan cannot tell a few recent rows from the whole
                # feed, and would read all of it.
                prepare=False,
            )
            xmin = int(rows[0][0])
            seen = [(int(i), int(c), int(t)) for _, i, c, t in rows if i is not None]
            claims = {c for i, c, _ in seen if i not in self._applied}
            # Rows of transactions not yet known finished are read again next time; those
            # applied now are skipped then.
            self._applied = {i for i, _, t in seen if t >= xmin}
            self._mark = xmin
            return claims
        found = fetch(f"SELECT id, claim_id FROM {table} WHERE id > %s", [self._mark])  # noqa: S608
        claims = {int(c) for i, c in found if int(i) not in self._applied}
        if found and not connection.in_atomic_block:
            # Inside an outer transaction these ids may be rolled back and handed out again,
            # so the position only moves outside one.
            self._mark = max(int(i) for i, _ in found)
            self._applied = {i for i in self._applied if i > self._mark}
        return claims

    def _reload(self, claim_ids: set[int]) -> None:
        if not claim_ids:
            return
        stored = _read_postings(sorted(claim_ids))
        for claim_id in claim_ids:
            self._put(claim_id, stored.get(claim_id))
        self._dirty = set(claim_ids) if connection.in_atomic_block else set()

    def apply(self, rows: dict[int, list[Row]], change_ids: Iterable[int]) -> None:
        """Take in postings this process just wrote (and their change rows), so replaying
        does not read them back."""
        with self._lock:
            if not self._loaded:
                return  # loading reads them
            for claim_id, claim_rows in rows.items():
                self._put(claim_id, claim_rows or None)
            if connection.in_atomic_block:
                # May be rolled back (and, on SQLite, the change ids handed out again).
                self._dirty.update(rows)
            else:
                self._applied.update(change_ids)

    def forget(self, claim_ids: Iterable[int]) -> None:
        """Drop claims found gone: a deleted claim's postings go with it (a cascade), without
        a change row. Only outside a transaction, whose deletes could still roll back."""
        if connection.in_atomic_block:
            return
        with self._lock:
            for claim_id in claim_ids:
                self._put(claim_id, None)

    def _load(self) -> None:
        started = time.perf_counter()
        self._state = _State()
        self._applied = set()
        self._dirty = set()
        outer = connection.in_atomic_block
        # The position is taken before the postings are read: a change committed in between
        # is then both loaded and replayed, which is harmless, rather than missed.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                self._mark = int(
                    fetch(
                        "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) "
                        "AS bigint)",
                        [],
                    )[0][0]
                )
            else:
                table = connection.ops.quote_name(IndexChange._meta.db_table)
                last = fetch(f"SELECT MAX(id) FROM {table}", [])[0][0]  # noqa: S608
                self._mark = 0 if outer else int(last or 0)
            self._load_docs(_stream_docs())
        if outer:
            # Read inside a transaction that may yet roll back: checked again next replay.
            self._dirty = set(self._state.base.claims.tolist()) | set(self._state.docs)
        self._loaded = True
        self._replayed_at = time.monotonic()
        if self.n_docs >= FREEZE_MIN_CLAIMS:
            # Millions of long-lived objects: left to the cyclic collector, every full
            # collection walks them all (a pause of tens of milliseconds in the middle of an
            # analysis), and in a forked worker its bookkeeping writes unshare the parent's
            # pages. Below this size the pause is small, and freezing would also keep
            # whatever cyclic garbage the process holds at that moment.
            gc.freeze()
        self.load_seconds = time.perf_counter() - started
        if self.n_docs >= 10_000:
            log.info(
                "index mirror loaded: %d claims, %d terms in %.1fs",
                self.n_docs,
                len(self._state.terms),
                self.load_seconds,
            )

    def _load_docs(self, docs: Iterable[_Stored]) -> None:
        """Claims first (as the base's flat arrays), term lists after: one sort of all
        postings by term (stable, so each list keeps claim order) instead of millions of
        appends. ``docs`` come in claim order."""
        s = self._state
        tid = self._tid
        claims, ptr, lens, complete = array("q"), array("q", [0]), array("i"), array("b")
        tids, tfs = array("i"), array("H")
        sptr, stids, surf_ptr = array("q", [0]), array("i"), array("q", [0])
        skinds = array("h")
        surf: list[bytes] = []
        late: list[_Stored] = []
        last = -1
        for doc in docs:
            claim_id, terms, counts, doc_len, surfaces, is_complete = doc
            if claim_id <= last:
                late.append(doc)  # not in claim order: kept beside the base instead
                continue
            last = claim_id
            doc_tids = [tid(term) for term in terms]
            claims.append(claim_id)
            tids.extend(doc_tids)
            tfs.extend(counts)
            ptr.append(len(tids))
            lens.append(doc_len)
            complete.append(bool(is_complete))
            for term_id, surface in zip(doc_tids, surfaces, strict=True):
                if surface:
                    stids.append(term_id)
                    data = surface.encode()
                    surf.append(data)
                    surf_ptr.append(surf_ptr[-1] + len(data))
                    skinds.extend(surface_kinds(surface))
            sptr.append(len(stids))
        base = _Base(
            claims=np.frombuffer(claims, dtype=np.int64) if claims else _empty(np.int64),
            ptr=np.frombuffer(ptr, dtype=np.int64),
            tids=np.frombuffer(tids, dtype=np.int32) if tids else _empty(np.int32),
            counts=np.frombuffer(tfs, dtype=np.uint16) if tfs else _empty(np.uint16),
            lens=np.frombuffer(lens, dtype=np.int32) if lens else _empty(np.int32),
            complete=np.frombuffer(complete, dtype=np.int8).astype(np.bool_),
            alive=np.ones(len(claims), dtype=np.bool_),
            sptr=np.frombuffer(sptr, dtype=np.int64),
            stids=np.frombuffer(stids, dtype=np.int32) if stids else _empty(np.int32),
            surf_ptr=np.frombuffer(surf_ptr, dtype=np.int64),
            surf=b"".join(surf),
            skinds=np.frombuffer(skinds, dtype=np.int16).reshape(-1, 3)
            if skinds
            else np.zeros((0, 3), np.int16),
        )
        s.base, s.alive = base, len(claims)
        s.total_len += int(base.lens.sum())
        sizes = np.diff(base.ptr)
        order = np.argsort(base.tids, kind="stable")
        bounds = np.searchsorted(base.tids[order], np.arange(len(s.terms) + 1))
        columns = (
            (s.ids, "q", np.repeat(base.claims, sizes)),
            (s.tfs, "H", base.counts),
            (s.lens, "H", np.repeat(base.lens, sizes).astype(np.uint16)),
        )
        for lists, code, values in columns:
            ordered = values[order]
            for term_id in range(len(s.terms)):
                part = array(code)
                part.frombytes(ordered[bounds[term_id] : bounds[term_id + 1]].tobytes())
                lists[term_id] = part
        for claim_id, terms, counts, doc_len, surfaces, is_complete in late:
            rows = [
                (term, count, doc_len, surface, is_complete)
                for term, count, surface in zip(terms, counts, surfaces, strict=True)
            ]
            self._put(claim_id, rows)

    # ----------------------------------------------------------------- storage
    def _doc(
        self,
        terms: list[str],
        counts: list[int],
        doc_len: int,
        surfaces: list[str],
        complete: bool,
    ) -> _Doc:
        """A claim's document from its postings, given in term order."""
        tid = self._tid
        tids = array("i", [tid(term) for term in terms])
        return _Doc(
            tids,
            array("H", counts),
            doc_len,
            tuple(t for t, surface in zip(tids, surfaces, strict=True) if surface),
            tuple(surface for surface in surfaces if surface),
            complete,
        )

    def _tid(self, term: str) -> int:
        s = self._state
        tid = s.vocab.get(term)
        if tid is None:
            tid = s.vocab[term] = len(s.terms)
            s.terms.append(term)
            s.content.append(is_content_term(term))
            s.ids.append(array("q"))
            s.tfs.append(array("H"))
            s.lens.append(array("H"))
        return tid

    def _put(self, claim_id: int, rows: list[Row] | None) -> None:
        s = self._state
        old = s.docs.pop(claim_id, None)
        if old is None and (i := s.base.positions([claim_id])[0]) >= 0:
            old = s.base.doc(i)
            s.base.alive[i] = False
            s.alive -= 1
        if old is not None:
            s.total_len -= old.doc_len
            for tid in old.tids.tolist():
                ids = s.ids[tid]
                at = np.flatnonzero(np.frombuffer(ids, dtype=np.int64) == claim_id)
                # Removed from the end so the earlier positions stay valid.
                for pos in reversed(at.tolist()):
                    del ids[pos], s.tfs[tid][pos], s.lens[tid][pos]
        if not rows:
            return
        doc = self._doc(*_columns(sorted(rows)))
        doc_len = doc.doc_len
        s.docs[claim_id] = doc
        s.total_len += doc_len
        for tid, count in zip(doc.tids, doc.counts, strict=True):
            s.ids[tid].append(claim_id)
            s.tfs[tid].append(count)
            s.lens[tid].append(doc_len)


def _feed_seconds() -> float:
    return float(settings.ANALYSIS_INDEX_FEED_HOURS) * 3600.0


def _grouped(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, list[Row]]]:
    current: int | None = None
    batch: list[Row] = []
    for claim_id, *row in rows:
        if claim_id != current:
            if current is not None:
                yield current, batch
            current, batch = claim_id, []
        batch.append(tuple(row))
    if current is not None:
        yield current, batch


_COLUMNS = "claim_id, term, count, doc_len, surface, complete"
# A claim's postings as columns, in term order: terms, counts, length, surfaces, complete.
_Stored = tuple[int, list[str], list[int], int, list[str], bool]


def _columns(rows: list[Row]) -> tuple[list[str], list[int], int, list[str], bool]:
    return (
        [row[0] for row in rows],
        [row[1] for row in rows],
        rows[0][2],
        [row[3] for row in rows],
        all(row[4] for row in rows),
    )


def _stream_docs() -> Iterator[_Stored]:
    """Every claim's postings, claim by claim, without holding them all at once."""
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    if connection.vendor != "postgresql":
        for claim_id, rows in _stream_postings():
            yield (claim_id, *_columns(sorted(rows)))
        return
    # Grouped on the server: a million rows of arrays rather than ten million rows.
    sql = f"""
        SELECT claim_id, array_agg(term ORDER BY term), array_agg(count ORDER BY term),
               max(doc_len), array_agg(surface ORDER BY term), bool_and(complete)
        FROM {table} GROUP BY claim_id ORDER BY claim_id
    """  # noqa: S608
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(5_000):
            yield from chunk


def _stream_postings() -> Iterator[tuple[int, list[Row]]]:
    """Every claim's postings, claim by claim, without holding them all at once."""
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {_COLUMNS} FROM {table} ORDER BY claim_id")  # noqa: S608

        def rows() -> Iterator[tuple[Any, ...]]:
            while chunk := cursor.fetchmany(20_000):
                yield from chunk

        yield from _grouped(rows())


def _read_postings(claim_ids: list[int]) -> dict[int, list[Row]]:
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    found: dict[int, list[Row]] = {}
    # In parts: SQLite binds a bounded number of parameters.
    for start in range(0, len(claim_ids), 5000):
        where, params = any_of("claim_id", claim_ids[start : start + 5000])
        rows = fetch(f"SELECT {_COLUMNS} FROM {table} WHERE {where} ORDER BY claim_id", params)  # noqa: S608
        found.update(_grouped(rows))
    return found
