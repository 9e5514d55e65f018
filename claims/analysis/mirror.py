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

import functools
import gc
import logging
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from claims.engine.compare import is_content_term, subject_word_kinds
from claims.engine.retrieval import DEFAULT_BM25
from claims.models import ClaimTerm, IndexChange

from .sql import any_of, fetch

log = logging.getLogger(__name__)

# A mirror of at least this many claims is moved out of the cyclic collector's sight.
FREEZE_MIN_CLAIMS = 100_000

# (term, count, doc_len, surface, complete): one posting of a claim, as stored.
Row = tuple[str, int, int, str, bool]


@dataclass(frozen=True)
class Posting:
    """What the index holds about one candidate claim: its terms (with counts) and subjects."""

    terms: dict[str, int]
    subject_words: tuple[str, ...]
    complete: bool
    # The stems of ``subject_words``: in a complete posting, the terms carrying a surface.
    subject_stems: frozenset[str] = frozenset()
    # The stem of each of ``subject_words``, in order.
    subject_stem_of: tuple[str, ...] = ()


@dataclass(slots=True)
class _Doc:
    # Term ids in term order (the order BM25 sums in, so a score is the same to the last bit
    # whichever mirror computes it), their counts, and which of them are subject terms.
    tids: array[int] | np.ndarray[Any, Any]
    counts: array[int] | np.ndarray[Any, Any]
    doc_len: int
    subjects: tuple[int, ...]
    # The claim's words for each subject term (space separated), beside ``subjects``.
    surfaces: tuple[str, ...]
    complete: bool


@dataclass(frozen=True)
class PairOverlaps:
    """What a query and a candidate have in common, for many (query, candidate) pairs: each
    field an array with one value per pair.

    Terms are counted over the candidate's content terms (``compare.content_terms``: numbers
    left out), a "subject" term being a subject stem of either side, as
    ``compare.lexical_similarity`` weighs it. Subject words are compared by stem, as
    ``compare.compare_subjects`` compares them.
    """

    indexed: np.ndarray[Any, Any]  # the candidate is in the index (else every count is 0)
    complete: np.ndarray[Any, Any]  # its postings hold all its terms and subject words
    content: np.ndarray[Any, Any]  # the candidate's content terms
    content_subject: np.ndarray[Any, Any]  # ... of them subjects
    shared: np.ndarray[Any, Any]  # ... of them also the query's terms
    shared_subject: np.ndarray[Any, Any]  # ... of those subjects
    # Shared terms that are the candidate's subject stems and not the query's.
    theirs_only: np.ndarray[Any, Any]
    # The query's subject words whose stem the candidate's subjects share: how many, of
    # them identifiers, of them names (the query's figures for each stem, summed).
    ours_shared: np.ndarray[Any, Any]  # shape (pairs, 3)
    # The candidate's subject words whose stem is not among the query's: how many, of them
    # identifiers, of them names.
    theirs_unshared: np.ndarray[Any, Any]  # shape (pairs, 3)


@functools.lru_cache(maxsize=100_000)
def surface_kinds(surface: str) -> tuple[int, int, int]:
    """``subject_word_kinds`` of a subject term's distinct words (space separated)."""
    return subject_word_kinds(set(surface.split(" ")))


def _lookup(values: np.ndarray[Any, Any], keys: np.ndarray[Any, Any]) -> tuple[Any, Any]:
    """For each value, whether ``keys`` (sorted, unique) holds it, and at which index (only
    meaningful where it does)."""
    if not len(keys):
        return np.zeros(len(values), dtype=np.bool_), np.zeros(len(values), dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return keys[at] == values, at


def _keyed(
    vocab: dict[str, int], width: int, per_query: Sequence[Iterable[str]]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Keys ``q * width + term id`` of each query's (distinct) words found in ``vocab``,
    sorted, and for each key the place of its word among all the words given, query after
    query (to carry a value given with each word along)."""
    keys: list[int] = []
    places: list[int] = []
    place = 0
    for q, words in enumerate(per_query):
        for word in words:
            if (tid := vocab.get(word)) is not None:
                keys.append(q * width + tid)
                places.append(place)
            place += 1
    order = np.argsort(np.array(keys, dtype=np.int64))
    return np.array(keys, dtype=np.int64)[order], np.array(places, dtype=np.int64)[order]


def _ranges(starts: np.ndarray[Any, Any], sizes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The positions of the slices [start, start + size), one after the other."""
    ends = np.cumsum(sizes)
    return np.repeat(starts - ends + sizes, sizes) + np.arange(int(ends[-1]) if len(ends) else 0)


def _empty(dtype: Any) -> np.ndarray[Any, Any]:
    return np.zeros(0, dtype=dtype)


@dataclass(frozen=True)
class _Elements:
    """The postings of a list of claims as flat arrays (copies): term ``tids[j]``, counted
    ``counts[j]`` times, belongs to claim number ``owner[j]`` of the list, each claim's terms
    in term order; likewise its subject terms, with their words' ``surface_kinds``."""

    indexed: np.ndarray[Any, Any]  # per claim of the list
    complete: np.ndarray[Any, Any]  # per claim of the list
    owner: np.ndarray[Any, Any]
    tids: np.ndarray[Any, Any]
    counts: np.ndarray[Any, Any]
    subject_owner: np.ndarray[Any, Any]
    stids: np.ndarray[Any, Any]
    skinds: np.ndarray[Any, Any]  # shape (subject terms, 3)


@dataclass
class _Base:
    """The claims as loaded, in flat arrays rather than an object per claim.

    A worker's pool processes inherit the mirror from the worker that loaded it. Reading a
    Python object writes its reference count, so the page holding it is copied into the
    reading process: with an object per claim, a forked process copied about 150 pages per
    claim it analysed (and, in time, the whole mirror). Numpy arrays are read in place.
    """

    claims: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.int64))  # sorted
    # Claim i's postings are [ptr[i], ptr[i + 1]) of tids and counts (term order).
    ptr: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros(1, np.int64))
    tids: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.int32))
    counts: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.uint16))
    lens: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.int32))
    complete: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.bool_))
    # Cleared when the claim is edited (its new postings live in ``_State.docs``) or removed.
    alive: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.bool_))
    # Claim i's subject terms are [sptr[i], sptr[i + 1]) of stids; subject term j's words are
    # surf[surf_ptr[j]:surf_ptr[j + 1]] (UTF-8).
    sptr: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros(1, np.int64))
    stids: np.ndarray[Any, Any] = field(default_factory=lambda: _empty(np.int32))
    surf_ptr: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros(1, np.int64))
    surf: bytes = b""
    # Beside stids: how many distinct words each subject term has, of them identifiers and
    # alphabetic names (``surface_kinds``), for comparing subjects on arrays.
    skinds: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros((0, 3), np.int16))

    def positions(self, claim_ids: list[int]) -> list[int]:
        """Each claim's row, or -1 when it is not (or no longer) here."""
        if not len(self.claims) or not claim_ids:
            return [-1] * len(claim_ids)
        wanted = np.asarray(claim_ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.claims, wanted), len(self.claims) - 1)
        found = (self.claims[at] == wanted) & self.alive[at]
        positions: list[int] = np.where(found, at, -1).tolist()
        return positions

    def doc(self, i: int) -> _Doc:
        """Row ``i`` as a document (its arrays are views, nothing is copied)."""
        lo, hi = self.ptr[i : i + 2].tolist()
        slo, shi = self.sptr[i : i + 2].tolist()
        subjects: tuple[int, ...] = ()
        surfaces: tuple[str, ...] = ()
        if shi > slo:
            subjects = tuple(self.stids[slo:shi].tolist())
            cuts = self.surf_ptr[slo : shi + 1].tolist()
            surfaces = tuple(self.surf[a:b].decode() for a, b in pairwise(cuts))
        return _Doc(
            self.tids[lo:hi],
            self.counts[lo:hi],
            int(self.lens[i]),
            subjects,
            surfaces,
            bool(self.complete[i]),
        )


@dataclass
class _State:
    vocab: dict[str, int] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    # Per term id: 1 when the term counts in lexical overlap (not a number).
    content: bytearray = field(default_factory=bytearray)
    # Per term id: the claims holding it, with the posting's count and the claim's length,
    # appended as claims are indexed (numpy reads them in place).
    ids: list[array[int]] = field(default_factory=list)
    tfs: list[array[int]] = field(default_factory=list)
    lens: list[array[int]] = field(default_factory=list)
    base: _Base = field(default_factory=_Base)
    # How many of the base's claims are alive.
    alive: int = 0
    # Claims indexed (or edited) since the load.
    docs: dict[int, _Doc] = field(default_factory=dict)
    total_len: int = 0

    def _where(self, claim_ids: list[int]) -> tuple[list[int], dict[int, _Doc]]:
        """Where each claim's postings are: a claim indexed since the load in its document
        (by place in ``claim_ids``), any other indexed claim in its row of the base (-1
        where there is none)."""
        rows = self.base.positions(claim_ids)
        later = {i: doc for i, c in enumerate(claim_ids) if (doc := self.docs.get(c)) is not None}
        for i in later:
            rows[i] = -1
        return rows, later

    def located(self, claim_ids: list[int]) -> Iterator[tuple[int, _Doc | None, int]]:
        """The indexed claims among ``claim_ids``, in that order: each with its document when
        it was indexed since the load, else with its row of the base."""
        rows, later = self._where(claim_ids)
        for i, (claim_id, row) in enumerate(zip(claim_ids, rows, strict=True)):
            doc = later.get(i)
            if doc is not None or row >= 0:
                yield claim_id, doc, row

    def elements(self, claim_ids: list[int]) -> _Elements:
        """The postings of ``claim_ids`` as flat arrays, base rows read at once."""
        base = self.base
        found, later = self._where(claim_ids)
        rows = np.array(found, dtype=np.int64)
        at = np.flatnonzero(rows >= 0)
        row = rows[at]
        indexed = rows >= 0
        complete = np.zeros(len(claim_ids), dtype=np.bool_)
        complete[at] = base.complete[row]
        lo, sizes = base.ptr[row], base.ptr[row + 1] - base.ptr[row]
        slo, ssizes = base.sptr[row], base.sptr[row + 1] - base.sptr[row]
        terms, slots = _ranges(lo, sizes), _ranges(slo, ssizes)
        owner, tids = [np.repeat(at, sizes)], [base.tids[terms].astype(np.int64)]
        counts = [base.counts[terms].astype(np.float64)]
        subject_owner, stids = [np.repeat(at, ssizes)], [base.stids[slots].astype(np.int64)]
        skinds = [base.skinds[slots].astype(np.int64)]
        for i, doc in later.items():
            indexed[i], complete[i] = True, doc.complete
            owner.append(np.full(len(doc.tids), i, dtype=np.int64))
            tids.append(np.asarray(doc.tids, dtype=np.int64))
            counts.append(np.asarray(doc.counts, dtype=np.float64))
            subject_owner.append(np.full(len(doc.subjects), i, dtype=np.int64))
            stids.append(np.asarray(doc.subjects, dtype=np.int64))
            skinds.append(
                np.array([surface_kinds(x) for x in doc.surfaces], dtype=np.int64).reshape(-1, 3)
            )
        return _Elements(
            indexed=indexed,
            complete=complete,
            owner=np.concatenate(owner),
            tids=np.concatenate(tids),
            counts=np.concatenate(counts),
            subject_owner=np.concatenate(subject_owner),
            stids=np.concatenate(stids),
            skinds=np.concatenate(skinds),
        )

    def docs_of(self, claim_ids: list[int]) -> Iterator[tuple[int, _Doc]]:
        """The indexed claims among ``claim_ids``, in that order, with their documents."""
        for claim_id, doc, row in self.located(claim_ids):
            yield claim_id, doc if doc is not None else self.base.doc(row)


class Mirror:
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

    # ----------------------------------------------------------------- ranking
    def top(
        self, selective: list[tuple[str, float]], *, exclude: int, limit: int, avg_len: float
    ) -> list[int]:
        """The ``limit`` claims scoring best by BM25 over the ``selective`` (term, weight)
        pairs, ties to the newer claim; ``exclude`` left out."""
        s = self._state
        k1, b = DEFAULT_BM25.k1, DEFAULT_BM25.b
        avg = avg_len or 1.0
        id_parts: list[Any] = []
        score_parts: list[Any] = []
        with self._lock:
            for term, weight in selective:
                tid = s.vocab.get(term)
                if tid is None or not s.ids[tid]:
                    continue
                # Copies: the arrays may grow (and move) once the lock is released.
                ids = np.array(s.ids[tid], dtype=np.int64)
                tf = np.array(s.tfs[tid], dtype=np.float64)
                lens = np.array(s.lens[tid], dtype=np.float64)
                lens[lens <= 0] = avg
                id_parts.append(ids)
                score_parts.append(
                    weight * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * lens / avg))
                )
        if not id_parts:
            return []
        ids = np.concatenate(id_parts)
        scores = np.concatenate(score_parts)
        claims, where = np.unique(ids, return_inverse=True)
        totals = np.bincount(where, weights=scores)
        keep = claims != exclude
        claims, totals = claims[keep], totals[keep]
        order = np.lexsort((-claims, -totals))[:limit]
        return [int(c) for c in claims[order]]

    def rerank(
        self, shortlist: list[int], weights: dict[str, float], *, avg_len: float, k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` best of ``shortlist`` by BM25 over every weighted query term, best first
        (``rerank_many`` for one query)."""
        return self.rerank_many([shortlist], [weights], avg_len=avg_len, k=k)[0]

    def rerank_many(
        self,
        shortlists: Sequence[list[int]],
        weights: Sequence[dict[str, float]],
        *,
        avg_len: float,
        k: int,
    ) -> list[list[tuple[int, float]]]:
        """For each query, the ``k`` best of its shortlist by BM25 over every weighted query
        term, best first; all queries computed at once.

        ``engine.rank`` to the last bit (same formula, same order of additions: each claim's
        terms in term order), ties to the earlier place in the shortlist; claims sharing no
        weighted term, or no longer indexed, are left out.
        """
        s = self._state
        found: list[list[tuple[int, float]]] = [[] for _ in shortlists]
        if k <= 0:
            return found
        k1, b = DEFAULT_BM25.k1, DEFAULT_BM25.b
        avg = avg_len if avg_len > 0 else 1.0
        claims = [c for shortlist in shortlists for c in shortlist]
        with self._lock:
            width = len(s.terms) + 1
            keys, places = _keyed(s.vocab, width, weights)
            if not len(keys):
                return found
            # Only the terms and counts are used (subjects are few, read along).
            got = s.elements(claims)
        key_weights = np.array(
            [w for by_term in weights for w in by_term.values()], dtype=np.float64
        )[places]
        groups = np.array([q for q, sl in enumerate(shortlists) for _ in sl], dtype=np.int64)
        order_in = np.array([i for sl in shortlists for i in range(len(sl))], dtype=np.int64)
        owner, tf, n = got.owner, got.counts, len(claims)
        # Each claim's length from its own counts, summed in term order as engine.rank does.
        doc_len = np.bincount(owner, weights=tf, minlength=n)
        hit, slot = _lookup(groups[owner] * width + got.tids, keys)
        norm = k1 * (1.0 - b + b * doc_len / avg)
        freq = tf[hit]
        part = key_weights[slot[hit]] * freq * (k1 + 1.0) / (freq + norm[owner[hit]])
        scores = np.bincount(owner[hit], weights=part, minlength=n)
        matched = np.flatnonzero(np.bincount(owner[hit], minlength=n) > 0)
        ranked = matched[np.lexsort((order_in[matched], -scores[matched], groups[matched]))]
        # Place of each within its query's ranking, to keep the first k of each.
        group_of = groups[ranked]
        starts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
        within = np.arange(len(ranked)) - np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
        best = ranked[within < k]
        for i, q, score in zip(
            best.tolist(), groups[best].tolist(), scores[best].tolist(), strict=True
        ):
            found[q].append((claims[i], score))
        return found

    def overlaps(
        self,
        pairs: list[tuple[int, int]],
        terms: Sequence[Iterable[str]],
        subjects: Sequence[Iterable[str]],
        subject_words: Sequence[dict[str, tuple[int, int, int]]],
    ) -> PairOverlaps:
        """What each (query, candidate claim) pair has in common, all pairs at once.

        For query ``q``: ``terms[q]`` its content terms, ``subjects[q]`` its subject stems
        and ``subject_words[q]`` the (words, identifiers, names) figures of its subject words
        under each stem. This is ``compare``'s arithmetic spread over arrays, so a batch's
        pre-check need not build a posting and sets for each candidate only to count.
        """
        s = self._state
        n = len(pairs)
        queries = np.array([q for q, _ in pairs], dtype=np.int64)
        with self._lock:
            # Keys (query or pair, term id) let one sorted search serve every pair.
            width = len(s.terms) + 1
            query_terms, _ = _keyed(s.vocab, width, terms)
            query_subjects, _ = _keyed(s.vocab, width, subjects)
            stem_keys, places = _keyed(s.vocab, width, subject_words)
            got = s.elements([claim_id for _, claim_id in pairs])
            content = np.frombuffer(bytes(s.content), dtype=np.bool_)[got.tids]
        pair_of, tids, spair_of, stids = got.owner, got.tids, got.subject_owner, got.stids

        def per_pair(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            return np.bincount(pair_of[mask], minlength=n)

        def slot_sums(values: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> Any:
            return np.stack(
                [np.bincount(spair_of[mask], weights=v[mask], minlength=n) for v in values.T],
                axis=1,
            )

        # Terms, for the lexical overlap.
        query_keys = queries[pair_of] * width + tids
        shared = content & _lookup(query_keys, query_terms)[0]
        ours = _lookup(query_keys, query_subjects)[0]
        theirs = _lookup(pair_of * width + tids, np.unique(spair_of * width + stids))[0]
        subject = ours | theirs
        # Subject words, by stem: the candidate's subject terms the query shares or not.
        figures = [f for by_stem in subject_words for f in by_stem.values()]
        stem_figures = np.array(figures, dtype=np.int64).reshape(-1, 3)[places]
        in_query, slot = _lookup(queries[spair_of] * width + stids, stem_keys)
        mine = stem_figures[slot] if len(stem_keys) else np.zeros((len(slot), 3), np.int64)
        return PairOverlaps(
            indexed=got.indexed,
            complete=got.complete,
            content=per_pair(content),
            content_subject=per_pair(content & subject),
            shared=per_pair(shared),
            shared_subject=per_pair(shared & subject),
            theirs_only=per_pair(shared & theirs & ~ours),
            ours_shared=slot_sums(mine, in_query),
            theirs_unshared=slot_sums(got.skinds, ~in_query),
        )

    def postings(self, claim_ids: Iterable[int]) -> dict[int, Posting]:
        s = self._state
        found: dict[int, Posting] = {}
        with self._lock:
            for claim_id, doc in s.docs_of(list(claim_ids)):
                terms = s.terms
                words: list[str] = []
                stems: list[str] = []
                for tid, surface in zip(doc.subjects, doc.surfaces, strict=True):
                    split = surface.split(" ")
                    words += split
                    stems += [terms[tid]] * len(split)
                found[claim_id] = Posting(
                    terms={
                        terms[t]: c
                        for t, c in zip(doc.tids.tolist(), doc.counts.tolist(), strict=True)
                    },
                    subject_words=tuple(words),
                    complete=doc.complete,
                    subject_stems=frozenset(stems),
                    subject_stem_of=tuple(stems),
                )
        return found


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
