"""Matching desk claims against external reviews, with the claims engine's own maths.

External reviews are indexed with the engine's terms (``engine.index_term_counts``, stored on
the review at import), ranked with its BM25 (``engine.rank``) and each candidate pair is
classified by ``claims.analysis.pair_compare`` with the analysis' thresholds: a pair the engine
calls a repeat is "checked elsewhere". The other way round (a review imported after the claim)
ranks the desk's own index with ``claims.analysis.rank_many``.

Each process keeps an in-memory index of the reviews (``ReviewIndex``), caught up with the
table before every search from ``updated_at``; a row removed makes it reload.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet

from claims import engine
from claims.analysis import SEMANTIC_NEIGHBOUR_MIN, pair_compare, rank_many, thresholds
from claims.engine import semantic
from claims.models import Claim, ClaimStatus
from claims.semantic_index import semantic_candidates

from .models import ExternalMatch, ExternalReview
from .semantic import claim_vector, nearest_reviews, review_vectors, semantic_on

# Reviews ranked per claim and then classified pair by pair.
CANDIDATES = 10
# Query terms in more than this share of reviews do not pull candidates in (the exact BM25
# order still counts them), so a common word never makes a query read most of the index.
COMMON_TERM_SHARE = 0.05
FEATURE_CACHE_SIZE = 20_000
# A review ranked this many times above the next one (BM25), which the engine finds on the same
# subject (compatible, or conflicting: another figure or date) with at least LEAD_SIMILARITY,
# is the same story told with other details: shown as checked elsewhere, method "lead". On
# the CheckThat! 2021 pool it put the gold review first for 3-4 more queries in a hundred
# (dev and train alike).
LEAD_RATIO = 1.5
LEAD_SIMILARITY = 0.5
# With the semantic tier, how much of the raw cosine is added to the fused ranks (the claims'
# fusion adds 0.05): an outlet's review restates the claim it checks, so closeness in meaning
# tells the right one from a review of the same subject better than for two desk claims.
# Chosen on the CheckThat! 2021 train split (0.05: 82.1 %, 0.2: 82.9 % first), dev held out.
REVIEW_COSINE_WEIGHT = 0.2

__all__ = ["CANDIDATES", "ReviewIndex", "claims_match", "review_index", "reviews_match"]


@dataclass
class ReviewIndex:
    """Index terms of every external review; satisfies ``engine.CorpusStats``."""

    terms: dict[int, dict[str, int]] = field(default_factory=dict)
    postings: dict[str, set[int]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    total_len: int = 0
    seen_until: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    features: OrderedDict[tuple[int, str], engine.ClaimFeatures] = field(
        default_factory=OrderedDict
    )

    @property
    def n_docs(self) -> int:
        return len(self.terms)

    @property
    def avg_len(self) -> float:
        return self.total_len / len(self.terms) if self.terms else 0.0

    def doc_freq(self, term: str) -> int:
        return len(self.postings.get(term, ()))

    def _remove(self, review_id: int) -> None:
        old = self.terms.pop(review_id, None)
        self.texts.pop(review_id, None)
        if old is None:
            return
        self.total_len -= sum(old.values())
        for term in old:
            posting = self.postings.get(term)
            if posting is not None:
                posting.discard(review_id)
                if not posting:
                    del self.postings[term]

    def put(self, review_id: int, text: str, terms: dict[str, int]) -> None:
        """Index one review, replacing what it had."""
        self._remove(review_id)
        self.terms[review_id] = terms
        self.texts[review_id] = text
        self.total_len += sum(terms.values())
        for term in terms:
            self.postings.setdefault(term, set()).add(review_id)

    def clear(self) -> None:
        self.terms.clear()
        self.postings.clear()
        self.texts.clear()
        self.total_len = 0
        self.seen_until = None

    def sync(self) -> None:
        """Catch up with the table: rows changed since the last look, or all when rows went."""
        with self.lock:
            state = ExternalReview.objects.aggregate(n=Count("id"), last=Max("updated_at"))
            if state["last"] == self.seen_until and state["n"] == len(self.terms):
                return
            if self.seen_until is not None and state["n"] >= len(self.terms):
                # ``>=``: rows of the same instant may have committed after the last look.
                self._load(ExternalReview.objects.filter(updated_at__gte=self.seen_until))
            if len(self.terms) != state["n"]:
                # A row was deleted (or rolled back): start again.
                self.clear()
                self._load(ExternalReview.objects.all())
            self.seen_until = state["last"]

    def _load(self, rows: QuerySet[ExternalReview]) -> None:
        for review_id, text, terms in rows.order_by().values_list("id", "claim_reviewed", "terms"):
            self.put(review_id, text, terms or {})

    def review_features(self, review_id: int) -> engine.ClaimFeatures:
        """The engine's analysis of a review's claim, cached by id and exact text."""
        key = (review_id, self.texts[review_id])
        cached = self.features.get(key)
        if cached is None:
            cached = engine.analyze(key[1])
            self.features[key] = cached
            while len(self.features) > FEATURE_CACHE_SIZE:
                self.features.popitem(last=False)
        return cached

    def search(self, features: engine.ClaimFeatures, k: int) -> list[tuple[int, float]]:
        """The ``k`` best reviews for a claim by BM25 (``engine.rank``), best first."""
        limit = max(50, int(self.n_docs * COMMON_TERM_SHARE))
        known = sorted({t for t in features.terms if t in self.postings}, key=self.doc_freq)
        selective = [t for t in known if self.doc_freq(t) <= limit] or known[:2]
        candidates: dict[int, None] = {}
        for term in selective:
            candidates.update(dict.fromkeys(self.postings[term]))
        ranked = engine.rank(features, ((rid, self.terms[rid]) for rid in candidates), self, k=k)
        return [(int(rid), score) for rid, score in ranked]  # type: ignore[call-overload]


_indexes: dict[str, ReviewIndex] = {}
_indexes_lock = threading.Lock()


def review_index() -> ReviewIndex:
    """This process's index of the current database's reviews, caught up."""
    name = str(connection.settings_dict["NAME"])
    with _indexes_lock:
        index = _indexes.setdefault(name, ReviewIndex())
    index.sync()
    return index


def review_indexes_clear() -> None:
    """Forget every in-memory review index (a new database: tests, benchmarks)."""
    with _indexes_lock:
        _indexes.clear()


@dataclass(frozen=True)
class Found:
    """A claim and a review the engine calls a repeat."""

    claim_id: int
    review_id: int
    score: float
    relevance: float
    method: str
    reasons: list[str]


def _cosines(vector: Any, review_ids: list[int]) -> dict[int, float]:
    """Embedding cosines of the claim and these reviews, those at ``SEMANTIC_NEIGHBOUR_MIN``
    or above (below it a cosine says nothing the words do not, as in the desk's analysis)."""
    found: dict[int, float] = {}
    for review_id, review_vector in review_vectors(review_ids).items():
        cosine = semantic.cosine(vector, review_vector)
        if cosine >= SEMANTIC_NEIGHBOUR_MIN:
            found[review_id] = cosine
    return found


def _candidates(
    features: engine.ClaimFeatures, index: ReviewIndex, vector: Any
) -> tuple[list[tuple[int, float]], list[tuple[int, float]], dict[int, float]]:
    """The reviews to classify, best first with their relevance; the BM25 ranking; and the
    embedding cosines (empty without a vector)."""
    ranked = index.search(features, CANDIDATES)
    if vector is None:
        return ranked, ranked, {}
    nearest = [
        (rid, cos)
        for rid, cos in nearest_reviews(vector, CANDIDATES)
        if cos >= SEMANTIC_NEIGHBOUR_MIN
    ]
    cosines = {**_cosines(vector, [rid for rid, _ in ranked]), **dict(nearest)}
    scores = cast(dict[Hashable, float], cosines)
    # The claims' own fusion (reciprocal ranks, a little of the cosine): a review found by
    # both tiers goes first, a paraphrase sharing few words still gets in.
    fused = semantic.fuse_rankings(
        ranked,
        nearest,
        k=CANDIDATES,
        semantic_scores=scores,
        score_weight=REVIEW_COSINE_WEIGHT,
    )
    return [(int(rid), score) for rid, score in fused], ranked, cosines  # type: ignore[call-overload]


def _matches_of(
    claim_id: int, features: engine.ClaimFeatures, index: ReviewIndex, vector: Any = None
) -> list[Found]:
    order, ranked, cosines = _candidates(features, index, vector)
    bm25 = dict(ranked)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    found: list[Found] = []
    for place, (review_id, relevance) in enumerate(order):
        result, method = pair_compare(
            features,
            index.review_features(review_id),
            similarity=cosines.get(review_id),
            thresholds=thresholds(),
        )
        reasons = list(result.reasons)
        if result.label != "repeat":
            # With embeddings, first place already needs both tiers' agreement (or a close
            # meaning); the words alone need the BM25 lead over the runner-up.
            stands_out = vector is not None or (
                review_id == ranked[0][0] and bm25[review_id] >= LEAD_RATIO * runner_up
            )
            lead = (
                place == 0
                and stands_out
                and result.label in ("compatible", "conflict")
                and result.score >= LEAD_SIMILARITY
            )
            if not lead:
                continue
            method = "lead"
            why = (
                "first by words and meaning"
                if vector is not None
                else "far ahead of every other review"
            )
            reasons = [f"{why}; the engine reads it as {result.label}"]
            reasons += list(result.reasons)
        found.append(Found(claim_id, review_id, result.score, relevance, method, reasons))
    return found


def _store(found: list[Found], *, claim_ids: Iterable[int]) -> None:
    """Replace the matches of the given claims with ``found``."""
    with transaction.atomic():
        ExternalMatch.objects.filter(claim_id__in=list(claim_ids)).delete()
        ExternalMatch.objects.bulk_create(
            [
                ExternalMatch(
                    claim_id=f.claim_id,
                    review_id=f.review_id,
                    score=round(f.score, 4),
                    relevance=round(f.relevance, 4),
                    method=f.method,
                    reasons=f.reasons,
                )
                for f in found
            ],
            ignore_conflicts=True,
        )


def claims_match(*, claim_ids: list[int]) -> int:
    """Find the external reviews each claim repeats and store them; how many were found."""
    index = review_index()
    if not index.n_docs:
        # No review at all, so no match either (matches go with their reviews): one query.
        return 0
    rows = list(
        Claim.objects.filter(pk__in=claim_ids)
        .exclude(status=ClaimStatus.MERGED)
        .values_list("id", "text")
    )
    with_vectors = semantic_on()
    found: list[Found] = []
    for claim_id, text in rows:
        vector = claim_vector(claim_id, text) if with_vectors else None
        found += _matches_of(claim_id, engine.analyze(text), index, vector)
    _store(found, claim_ids=claim_ids)
    return len(found)


def reviews_match(*, review_ids: list[int]) -> int:
    """Match the desk claims that may repeat these reviews (reviews imported after the claims).

    The desk's index (``claims.analysis.rank_many``) finds each review's likely claims; those
    the engine calls a repeat are matched again from the claim's side (``claims_match``), so a
    claim's matches are always ranked against every review the same way.
    """
    index = review_index()
    reviews = [(rid, index.review_features(rid)) for rid in review_ids if rid in index.texts]
    ranked = rank_many(((rid, f, None) for rid, f in reviews), k=CANDIDATES)
    # Claims near in meaning (which may share too few words to be ranked) are matched again
    # from their side whatever the words say: that matching weighs the cosine.
    near: set[int] = set()
    if semantic_on():
        for vector in review_vectors([rid for rid, _ in reviews]).values():
            near.update(
                cid
                for cid, cosine in semantic_candidates(vector=vector, exclude_id=None, k=CANDIDATES)
                if cosine >= SEMANTIC_NEIGHBOUR_MIN
            )
    claim_ids = {cid for hits in ranked.values() for cid, _ in hits} | near
    if not claim_ids:
        return 0
    texts = dict(
        Claim.objects.filter(pk__in=claim_ids)
        .exclude(status=ClaimStatus.MERGED)
        .values_list("id", "text")
    )
    analysed: dict[int, engine.ClaimFeatures] = {}
    repeating: set[int] = near & set(texts)
    for review_id, review_features in reviews:
        for claim_id, _bm25 in ranked[review_id]:
            if claim_id not in texts or claim_id in repeating:
                continue
            if claim_id not in analysed:
                analysed[claim_id] = engine.analyze(texts[claim_id])
            result, _ = pair_compare(analysed[claim_id], review_features, thresholds=thresholds())
            # Anything the claim's own matching could keep (a repeat, or a lead).
            if result.label == "repeat" or (
                result.label in ("compatible", "conflict") and result.score >= LEAD_SIMILARITY
            ):
                repeating.add(claim_id)
    return claims_match(claim_ids=sorted(repeating)) if repeating else 0
