"""BM25-style ranking of stored claims against a new claim.

The scoring function is independent of where the postings live: ``rank`` only
needs each candidate's index terms and corpus statistics behind the small
``CorpusStats`` protocol, so the database-backed index in the Django app and the
in-memory index used by tests and evaluation share the exact same maths.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .features import ClaimFeatures, index_term_counts

__all__ = ["BM25", "CorpusStats", "InMemoryIndex", "query_weights", "rank"]


class CorpusStats(Protocol):
    """Collection statistics BM25 needs; a DB-backed implementation is expected."""

    @property
    def n_docs(self) -> int: ...

    @property
    def avg_len(self) -> float: ...

    def doc_freq(self, term: str) -> int: ...


@dataclass(frozen=True)
class BM25:
    """BM25 parameters; ``b`` is mild because claims are short and similar in length."""

    k1: float = 1.2
    b: float = 0.5
    # Extra weight for query subject terms.  Neutral by default: on the bench,
    # IDF already favours names and codes, and boosting them further hurt.
    subject_boost: float = 1.0


DEFAULT_BM25 = BM25()


def _idf(n_docs: int, df: int) -> float:
    # The "+1" form never goes negative, so very common terms just stop counting.
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def query_weights(
    query: ClaimFeatures, stats: CorpusStats, params: BM25 = DEFAULT_BM25
) -> dict[str, float]:
    """IDF weight of each distinct query term, boosted for subject terms."""
    weights: dict[str, float] = {}
    n_docs = max(stats.n_docs, 1)
    for term in dict.fromkeys(query.terms):
        df = stats.doc_freq(term)
        if df <= 0:
            continue
        w = _idf(n_docs, df)
        if term in query.subject_stems:
            w *= params.subject_boost
        weights[term] = w
    return weights


def rank(
    query: ClaimFeatures,
    candidates: Iterable[tuple[Hashable, Sequence[str] | Mapping[str, int]]],
    stats: CorpusStats,
    *,
    k: int = 10,
    params: BM25 = DEFAULT_BM25,
) -> list[tuple[Hashable, float]]:
    """Score candidates (id, index terms) against ``query``; best ``k`` first.

    A candidate's terms are either a sequence (a repeated term counts once per
    occurrence, so plain ``index_terms`` gives binary term frequency) or a
    ``{term: count}`` mapping as produced by ``index_term_counts``.  Candidates
    sharing no term with the query are dropped rather than returned with a zero
    score, so callers can pass a generous candidate set.
    """
    weights = query_weights(query, stats, params)
    if not weights or k <= 0:
        return []
    avg_len = stats.avg_len if stats.avg_len > 0 else 1.0
    k1, b = params.k1, params.b
    scored: list[tuple[float, int, Hashable]] = []
    for order, (doc_id, terms) in enumerate(candidates):
        tf: dict[str, int] = {}
        if isinstance(terms, Mapping):
            doc_len = sum(terms.values())
            for term, count in terms.items():
                if term in weights:
                    tf[term] = count
        else:
            doc_len = len(terms)
            for term in terms:
                if term in weights:
                    tf[term] = tf.get(term, 0) + 1
        norm = k1 * (1.0 - b + b * doc_len / avg_len)
        if not tf:
            continue
        score = 0.0
        for term, freq in tf.items():
            score += weights[term] * freq * (k1 + 1.0) / (freq + norm)
        # ``order`` breaks ties deterministically without comparing arbitrary ids.
        scored.append((score, -order, doc_id))
    best = heapq.nlargest(k, scored)
    return [(doc_id, score) for score, _, doc_id in best]


class InMemoryIndex:
    """A small inverted index over ``index_term_counts``; also satisfies ``CorpusStats``.

    Document length is the sum of term counts, which is what a database index
    storing (claim, term, count) rows would compute too.
    """

    def __init__(self, params: BM25 = DEFAULT_BM25) -> None:
        self.params = params
        self._terms: dict[Hashable, dict[str, int]] = {}
        self._postings: dict[str, list[Hashable]] = {}
        self._total_len = 0

    @property
    def n_docs(self) -> int:
        return len(self._terms)

    @property
    def avg_len(self) -> float:
        return self._total_len / len(self._terms) if self._terms else 0.0

    def doc_freq(self, term: str) -> int:
        return len(self._postings.get(term, ()))

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._terms

    def add(self, doc_id: Hashable, features: ClaimFeatures) -> None:
        """Index a claim; re-adding an id replaces its previous entry."""
        if doc_id in self._terms:
            self.remove(doc_id)
        terms = index_term_counts(features)
        self._terms[doc_id] = terms
        self._total_len += sum(terms.values())
        for term in terms:
            self._postings.setdefault(term, []).append(doc_id)

    def remove(self, doc_id: Hashable) -> None:
        terms = self._terms.pop(doc_id, None)
        if terms is None:
            return
        self._total_len -= sum(terms.values())
        for term in terms:
            posting = self._postings.get(term)
            if posting is not None:
                posting.remove(doc_id)
                if not posting:
                    del self._postings[term]

    def terms_of(self, doc_id: Hashable) -> dict[str, int]:
        return dict(self._terms[doc_id])

    def search(self, features: ClaimFeatures, k: int = 10) -> list[tuple[Hashable, float]]:
        """Best ``k`` (id, score) pairs for a claim, via ``rank``."""
        seen: dict[Hashable, None] = {}
        for term in dict.fromkeys(features.terms):
            for doc_id in self._postings.get(term, ()):
                seen[doc_id] = None
        candidates = ((doc_id, self._terms[doc_id]) for doc_id in seen)
        return rank(features, candidates, self, k=k, params=self.params)
