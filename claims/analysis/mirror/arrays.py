"""The mirror's storage: claims as flat arrays (the base loaded at once) and documents for
claims indexed since, with the array helpers ranking and the pre-check share."""

from __future__ import annotations

import functools
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from claims.engine.compare import subject_word_kinds

# (term, count, doc_len, surface, complete): one posting of a claim, as stored.
Row = tuple[str, int, int, str, bool]


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


class _Held:
    """What the mirror's parts share: its state and the lock guarding it."""

    _state: _State
    _lock: threading.RLock
