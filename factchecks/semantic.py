"""The semantic tier for external reviews: their stored embeddings and the nearest ones to a
claim's.

The same model and rules as the desk's own claims (``claims.engine.semantic``,
``claims.semantic_index``): vectors are computed in Celery workers only (``match_reviews``
embeds a batch before matching it), stored in the database, and searched with an in-process
matrix caught up from ``updated_at`` before every search. Without the ``semantic`` extra, or
in a web process under ``MATCHING_SEMANTIC=auto``, nothing is embedded and nothing is found.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from claims.analysis import semantic_enabled
from claims.engine import semantic
from claims.models import ClaimEmbedding
from claims.semantic_index import (
    CATCH_UP_OVERLAP,
    claim_embed,
    embed_missing,
    embedding_text_hash,
)

from .models import ExternalReview, ExternalReviewEmbedding

__all__ = [
    "claim_vector",
    "nearest_reviews",
    "review_vectors_clear",
    "reviews_embed",
    "semantic_on",
]


def semantic_on() -> bool:
    """Whether matching uses embeddings here (the claims' ``MATCHING_SEMANTIC`` rule)."""
    return semantic_enabled()


def _vector(raw: bytes | memoryview, dimensions: int) -> Any:
    vector = semantic.np.frombuffer(bytes(raw), dtype="<f4")
    if vector.shape[0] != dimensions:
        raise ValueError(f"stored vector has {vector.shape[0]} values, expected {dimensions}")
    return vector.astype(semantic.np.float32)


def reviews_embed(*, review_ids: list[int], batch_size: int = 256) -> int:
    """Embed the claim of each review whose stored vector is missing or of another text;
    how many vectors were written. Worker-only (it runs the model)."""
    return embed_missing(
        vectors=ExternalReviewEmbedding,
        owner="review",
        texts=ExternalReview.objects.values_list("pk", "claim_reviewed"),
        ids=review_ids,
        batch_size=batch_size,
    )


def claim_vector(claim_id: int, text: str) -> Any:
    """The claim's current vector: the one its analysis stored, else computed and stored now
    (worker-only); None without the semantic tier."""
    if not semantic.available():
        return None
    stored = (
        ClaimEmbedding.objects.filter(
            claim_id=claim_id, model_name=semantic.MODEL_NAME, text_hash=embedding_text_hash(text)
        )
        .values_list("dimensions", "vector")
        .first()
    )
    if stored is not None:
        return _vector(stored[1], stored[0])
    from claims.models import Claim

    embedding = claim_embed(claim=Claim(pk=claim_id, text=text))
    return None if embedding is None else _vector(embedding.vector, embedding.dimensions)


@dataclass
class _Vectors:
    """Every stored review vector of one database as one matrix, and how far it was read."""

    index: Any = None
    seen_until: datetime | None = None
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_by_database: dict[str, _Vectors] = {}
_by_database_lock = threading.Lock()


def review_vectors_clear() -> None:
    """Forget every in-process matrix (a new database: tests, evaluations)."""
    with _by_database_lock:
        _by_database.clear()


def _caught_up() -> Any:
    name = str(connection.settings_dict["NAME"])
    with _by_database_lock:
        cache = _by_database.setdefault(name, _Vectors())
    with cache.lock:
        rows = ExternalReviewEmbedding.objects.filter(model_name=semantic.MODEL_NAME)
        total = rows.count()
        if cache.index is not None and total < cache.count:
            # Reviews were deleted: start again rather than search vectors of gone rows.
            cache.index, cache.seen_until = None, None
        if cache.seen_until is not None:
            rows = rows.filter(updated_at__gte=cache.seen_until - CATCH_UP_OVERLAP)
        ids: list[int] = []
        vectors: list[Any] = []
        newest = cache.seen_until
        for review_id, dimensions, raw, updated_at in rows.values_list(
            "review_id", "dimensions", "vector", "updated_at"
        ).iterator(chunk_size=2000):
            ids.append(review_id)
            vectors.append(_vector(raw, dimensions))
            if newest is None or updated_at > newest:
                newest = updated_at
        if cache.index is None:
            cache.index = semantic.VectorIndex(
                ids, semantic.np.vstack(vectors) if vectors else None
            )
        else:
            for review_id, vector in zip(ids, vectors, strict=True):
                cache.index.upsert(review_id, vector)
        cache.seen_until, cache.count = newest, total
        return cache.index


def nearest_reviews(vector: Any, k: int) -> list[tuple[int, float]]:
    """The ``k`` stored reviews nearest in meaning to ``vector``: (review id, cosine), best
    first. Empty without the semantic tier or a vector."""
    if vector is None or not semantic.available() or k <= 0:
        return []
    return [(int(rid), score) for rid, score in _caught_up().search(vector, k=k)]


def review_vectors(review_ids: list[int]) -> dict[int, Any]:
    """The stored vectors of these reviews (those that have one)."""
    if not review_ids or not semantic.available():
        return {}
    index = _caught_up()
    found = {rid: index.get(rid) for rid in review_ids}
    return {rid: vector for rid, vector in found.items() if vector is not None}
