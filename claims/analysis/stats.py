"""Corpus statistics for BM25 and the small in-process caches analysis keeps.

The only in-process state: corpus figures that may be slightly stale (claim count, average
length, frequencies of common terms) and analysed texts keyed by their exact text. Which
claims are candidates is always read from the database (``retrieval``), so a claim committed
before a query is never missed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max

from claims import engine
from claims.models import Claim, ClaimStatus, ClaimTerm

from .sql import fetch

# Corpus size and average length change slowly; below SMALL_CORPUS claims they are simply
# counted every time (cheap, and exact for tests and small desks).
STATS_TTL_SECONDS = 60.0
SMALL_CORPUS = 5_000
LENGTH_SAMPLE = 2000
# Frequencies are counted exactly up to this; beyond it they are estimated from the corpus
# sample. Counting reads up to this many index entries for every query term.
DF_COUNT_CAP = 1000
COMMON_DF_TTL_SECONDS = 600.0
# Terms in at least this many claims have their count remembered for a while: a count a
# little stale only shifts a weight (postings themselves are always read fresh), and
# counting them was the largest cost after ranking. Rarer terms are counted every time.
REMEMBERED_DF_MIN = 50
REMEMBERED_DF_TTL_SECONDS = 60.0
FEATURE_CACHE_SIZE = 50_000
# Index terms are stored cut to the column's length.
TERM_LENGTH = 64

_lock = threading.Lock()
_corpus: tuple[float, Corpus] | None = None
# term -> (expiry on the monotonic clock, frequency)
_common_df: dict[str, tuple[float, int]] = {}
_features: OrderedDict[tuple[int, str], engine.ClaimFeatures] = OrderedDict()


@dataclass(frozen=True)
class Corpus:
    """Slowly changing corpus figures: size, average length, and a sample of term counts."""

    n_docs: int
    avg_len: float
    sample: dict[str, int]
    sample_docs: int

    def estimate(self, term: str, floor: int) -> int:
        """Frequency of a common term, extrapolated from the sample (never below ``floor``)."""
        if not self.sample_docs:
            return floor
        return max(floor, round(self.sample.get(term, 0) / self.sample_docs * self.n_docs))


@dataclass(frozen=True)
class DatabaseStats:
    """Corpus statistics for BM25: corpus size and length, and the query terms' frequencies."""

    n_docs: int
    avg_len: float
    freqs: dict[str, int]

    def doc_freq(self, term: str) -> int:
        return self.freqs.get(term, 0)


def caches_clear() -> None:
    """Forget cached statistics and analysed texts (a new database, or a benchmark's cold start)."""
    global _corpus
    with _lock:
        _corpus = None
        _common_df.clear()
        _features.clear()


def features_of(claim_id: int, text: str) -> engine.ClaimFeatures:
    """The engine's analysis of a claim's text, cached by claim and exact text."""
    # Keyed by the text itself, so an edited claim is never judged on its old wording.
    key = (claim_id, text)
    with _lock:
        cached = _features.get(key)
        if cached is not None:
            _features.move_to_end(key)
            return cached
    features = engine.analyze(text)
    with _lock:
        _features[key] = features
        while len(_features) > FEATURE_CACHE_SIZE:
            _features.popitem(last=False)
    return features


def corpus_stats() -> Corpus:
    """Claims in the index, their average length (sum of term counts), and a term sample."""
    global _corpus
    now = time.monotonic()
    with _lock:
        cached = _corpus
    if (
        cached is not None
        and now - cached[0] < STATS_TTL_SECONDS
        and cached[1].n_docs >= SMALL_CORPUS
    ):
        return cached[1]
    n_docs = Claim.objects.exclude(status=ClaimStatus.MERGED).count()
    # The newest indexed claims stand for the corpus: plenty for BM25's length normalisation
    # and for the frequency of common terms, and the same cost at any corpus size.
    last = ClaimTerm.objects.aggregate(last=Max("claim_id"))["last"] or 0
    sample: dict[str, int] = {}
    claims: set[int] = set()
    total = 0
    for claim_id, term, count in ClaimTerm.objects.filter(
        claim_id__gt=last - LENGTH_SAMPLE
    ).values_list("claim_id", "term", "count"):
        sample[term] = sample.get(term, 0) + 1
        claims.add(claim_id)
        total += count
    corpus = Corpus(
        n_docs=n_docs,
        avg_len=total / len(claims) if claims else 0.0,
        sample=sample,
        sample_docs=len(claims),
    )
    with _lock:
        _corpus = (now, corpus)
    return corpus


def doc_freqs(terms: list[str], corpus: Corpus) -> dict[str, int]:
    """Document frequency of each term, exact up to ``DF_COUNT_CAP``, in one round trip.

    Rare terms are counted fresh on every call (a term first indexed a moment ago must
    count); terms beyond the cap are common: retrieval uses them only within its postings
    budget and ranking only needs their rough weight, so their frequency is extrapolated
    from the corpus sample and remembered. Terms in between (``REMEMBERED_DF_MIN`` claims
    or more) are remembered for a minute: a remembered count is never zero, so the term
    still takes part and its postings are read fresh.
    """
    now = time.monotonic()
    freqs: dict[str, int] = {}
    with _lock:
        for term in terms:
            cached = _common_df.get(term)
            if cached is not None and now <= cached[0]:
                freqs[term] = cached[1]
    to_count = [t for t in dict.fromkeys(terms) if t not in freqs]
    if not to_count:
        return freqs
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    cap = DF_COUNT_CAP + 1
    # Each LIMIT stops a common term's count early. Only the quoted table name and integers
    # are formatted in; the terms are bound parameters.
    counts: list[int] = []
    if connection.vendor == "postgresql":
        # One subquery planned once and run per term: with one subquery per term, planning a
        # batch's few thousand terms cost more than counting them.
        sql = f"""
            SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM {table} p WHERE p.term = q.term
                                          LIMIT {cap}) AS c)
            FROM unnest(CAST(%s AS text[])) WITH ORDINALITY AS q(term, i) ORDER BY q.i
        """  # noqa: S608
        counts = [int(n) for (n,) in fetch(sql, [to_count])]
    else:
        # SQLite caps the number of result columns; count in slices.
        for start in range(0, len(to_count), 500):
            part = to_count[start : start + 500]
            columns = ", ".join(
                f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE term = %s LIMIT {cap}) AS p{i})"  # noqa: S608
                for i in range(len(part))
            )
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {columns}", part)
                counts += [int(n) for n in cursor.fetchone()]
    remembered: dict[str, tuple[float, int]] = {}
    for term, n in zip(to_count, counts, strict=True):
        if n >= cap:
            n = corpus.estimate(term, floor=cap)
            remembered[term] = (now + COMMON_DF_TTL_SECONDS, n)
        elif n >= REMEMBERED_DF_MIN:
            remembered[term] = (now + REMEMBERED_DF_TTL_SECONDS, n)
        freqs[term] = n
    if remembered:
        with _lock:
            _common_df.update(remembered)
            if len(_common_df) > FEATURE_CACHE_SIZE:
                # Expired entries go; what remains is bounded by the distinct common terms.
                for term in [t for t, (until, _) in _common_df.items() if until < now]:
                    del _common_df[term]
    return freqs
