"""Check-worthiness: how worth checking a sentence is (0..1), with reasons an editor reads.

``score_sentences`` is the one entry point the rest of the project uses. The lexical tier is
always there; the semantic tier (the same linear model that also reads the MiniLM sentence
embedding) is used when asked for and the semantic extra is installed. Embedding is slow, so
only workers and commands ask for it, never a web request.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ingest.checkworthiness.model import LEXICAL_PATH, SEMANTIC_PATH, LinearModel, Scored

__all__ = ["Scored", "lexical_model", "score_sentences", "semantic_model"]


@functools.lru_cache(maxsize=1)
def lexical_model() -> LinearModel:
    """The committed lexical model (loaded once per process)."""
    return LinearModel.load(LEXICAL_PATH)


@functools.lru_cache(maxsize=1)
def semantic_model() -> LinearModel:
    """The committed semantic-tier model (loaded once per process)."""
    return LinearModel.load(SEMANTIC_PATH)


def score_sentences(texts: Sequence[str], *, semantic: bool = False) -> list[Scored]:
    """Score each sentence; ``semantic=True`` embeds them first (workers and commands only)."""
    if not semantic:
        return lexical_model().score_many(texts)
    from claims.engine import semantic as embedding

    vectors = embedding.encode(list(texts))
    return semantic_model().score_many(texts, vectors)
