"""Analysing claims against every claim in the database, and keeping their flags current.

The matching engine (``claims.engine``) is pure Python; this package is its database side:

- ``index``: the inverted index in ``ClaimTerm`` (postings carry BM25 inputs and subject
  words) and its batched writes;
- ``stats``: corpus statistics read from the index, and the few in-process caches;
- ``retrieval``: one SQL statement ranks a whole batch of claims; the pre-check on postings;
- ``flags``: findings stored as ``Flag`` rows, upserted, editors' decisions kept;
- ``pipeline``: the analysis itself, for one claim or a backlog, through the same code.

Scale: nothing here counts or joins whole tables per query, so analysis stays in
milliseconds with a million claims; the index and the flags live in the database, shared by
every worker on every machine.
"""

from .index import claims_index, claims_unindex, postings_of
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
from .retrieval import CANDIDATES, Posting, claim_candidates, could_flag, postings_for, rank_many
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
    "pair_compare",
    "pair_similarities",
    "postings_for",
    "postings_of",
    "rank_many",
    "semantic_enabled",
    "text_key",
    "thresholds",
]
