"""Analysing claims against every claim in the database, and keeping their flags current.

The matching engine (``claims.engine``) is pure Python; this package is its database side:

- ``index``: the inverted index in ``ClaimTerm`` (postings carry BM25 inputs and subject
  words), its batched writes and the change feed (``IndexChange``) written with them;
- ``mirror``: each worker's in-memory copy of the index, replayed from the feed before
  every ranking, so a claim committed before a query is always a candidate;
- ``stats``: a query's BM25 statistics, and the cache of analysed texts;
- ``retrieval``: ranking a batch of claims on the mirror; the pre-check on postings;
- ``flags``: findings stored as ``Flag`` rows, upserted, editors' decisions kept;
- ``pipeline``: the analysis itself, for one claim or a backlog, through the same code.

Scale: ranking runs in memory and nothing here counts or joins whole tables per query, so
analysis stays in milliseconds with a million claims; the index and the flags live in the
database, shared by every worker on every machine.
"""

from .index import claims_index, claims_unindex, index_feed_prune, postings_of
from .mirror import index_mirror
from .pipeline import (
    BATCH_SIZE,
    SEMANTIC_NEIGHBOUR_MIN,
    claim_analyze,
    claim_ranking,
    claim_request_analysis,
    claims_analyze,
    claims_needing_analysis,
    pair_compare,
    pair_similarities,
    semantic_enabled,
    text_key,
    thresholds,
)
from .retrieval import (
    CANDIDATES,
    Posting,
    claim_candidates,
    could_flag,
    flaggable,
    postings_for,
    rank_many,
)
from .stats import caches_clear as analysis_caches_clear


def claim_unindex(*, claim_id: int) -> None:
    """Take a claim out of the index (it was merged into another)."""
    claims_unindex(claim_ids=[claim_id])


__all__ = [
    "BATCH_SIZE",
    "CANDIDATES",
    "SEMANTIC_NEIGHBOUR_MIN",
    "Posting",
    "analysis_caches_clear",
    "claim_analyze",
    "claim_candidates",
    "claim_ranking",
    "claim_request_analysis",
    "claim_unindex",
    "claims_analyze",
    "claims_index",
    "claims_needing_analysis",
    "claims_unindex",
    "could_flag",
    "flaggable",
    "index_feed_prune",
    "index_mirror",
    "pair_compare",
    "pair_similarities",
    "postings_for",
    "postings_of",
    "rank_many",
    "semantic_enabled",
    "text_key",
    "thresholds",
]
