"""Claim matching engine: find repeated and conflicting claims.

Pure Python (the standard library plus two small pure-Python packages: ``simplemma`` for
lemmas and ``number-parser`` for number words) so it runs inside Celery workers, tests and
offline evaluation alike.  Typical use::

    from claims.engine import analyze, classify, index_terms

    a, b = analyze(text_a), analyze(text_b)
    verdict = classify(a, b)          # PairResult(label, score, reasons, details)
    terms = index_terms(a)            # what to store in the inverted index

``ENGINE_VERSION`` changes whenever analysis or classification behaviour changes,
so stored features and verdicts can be recomputed when it differs.
"""

from __future__ import annotations

from .classify import LABELS, Label, PairResult, Thresholds, classify
from .features import (
    ClaimFeatures,
    DirectionCue,
    analyze,
    index_term_counts,
    index_term_counts_of,
    index_terms,
)
from .quantities import Quantity
from .retrieval import BM25, CorpusStats, InMemoryIndex, rank

ENGINE_VERSION = "lex-4"

__all__ = [
    "BM25",
    "ENGINE_VERSION",
    "LABELS",
    "ClaimFeatures",
    "CorpusStats",
    "DirectionCue",
    "InMemoryIndex",
    "Label",
    "PairResult",
    "Quantity",
    "Thresholds",
    "analyze",
    "classify",
    "index_term_counts",
    "index_term_counts_of",
    "index_terms",
    "rank",
]
