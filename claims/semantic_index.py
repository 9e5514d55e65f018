"""The database side of the optional semantic tier: stored claim embeddings and their search.

``claim_embed`` computes and stores a claim's vector; it loads a neural model, so it is only
ever called from Celery workers, never on a web request.  ``semantic_candidates`` searches all
stored vectors with an in-process numpy matrix that is built from the database and brought up
to date before every search, so a claim committed before the query is always searched.
Without the ``semantic`` extra both are harmless: nothing is embedded and nothing is found.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import Model, QuerySet

from claims.engine import semantic
from claims.models import Claim, ClaimEmbedding, ClaimStatus

__all__ = [
    "CATCH_UP_OVERLAP",
    "claim_embed",
    "claims_embed",
    "embedding_text_hash",
    "embedding_vector",
    "reset_cache",
    "semantic_candidates",
]

# Rows are stamped when saved but become visible when their transaction commits, a little
# later (``claim_embed`` writes in its own short transaction), and workers' clocks differ a
# little (NTP keeps them within a second). Each catch-up therefore re-reads rows stamped this
# long before the newest one it has seen. Not longer: every search re-reads that window, so a
# ten-minute window during a bulk import meant re-reading thousands of vectors per search.
CATCH_UP_OVERLAP = timedelta(seconds=30)


def embedding_text_hash(text: str) -> str:
    """Fingerprint of the text a vector was computed from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _from_bytes(raw: bytes | memoryview, dimensions: int) -> Any:
    vector = semantic.np.frombuffer(bytes(raw), dtype="<f4")
    if vector.shape[0] != dimensions:
        raise ValueError(f"stored vector has {vector.shape[0]} values, expected {dimensions}")
    return vector.astype(semantic.np.float32)


def embedding_vector(embedding: ClaimEmbedding) -> Any:
    """The stored vector as a float32 numpy array."""
    return _from_bytes(embedding.vector, embedding.dimensions)


def claim_embed(*, claim: Claim) -> ClaimEmbedding | None:
    """Compute and store the claim's embedding; a no-op when it is already current.

    Worker-only (it runs the model).  Returns None when the semantic tier is not installed.
    """
    if not semantic.available():
        return None
    text_hash = embedding_text_hash(claim.text)
    current = ClaimEmbedding.objects.filter(
        claim_id=claim.pk, model_name=semantic.MODEL_NAME, text_hash=text_hash
    ).first()
    if current is not None:
        return current
    vector = semantic.encode([claim.text])[0]
    embedding, _ = ClaimEmbedding.objects.update_or_create(
        claim_id=claim.pk,
        defaults={
            "model_name": semantic.MODEL_NAME,
            "text_hash": text_hash,
            "dimensions": int(vector.shape[0]),
            "vector": vector.astype("<f4").tobytes(),
        },
    )
    return embedding


def claims_embed(*, claim_ids: list[int], batch_size: int = 256) -> int:
    """Embed many claims in batches (a backlog, an evaluation pool); returns how many vectors
    were written. Claims whose stored vector is current are skipped. Worker-only, like
    ``claim_embed``."""
    return embed_missing(
        vectors=ClaimEmbedding,
        owner="claim",
        texts=Claim.objects.values_list("pk", "text"),
        ids=claim_ids,
        batch_size=batch_size,
    )


def embed_missing(
    *,
    vectors: type[Model],
    owner: str,
    texts: QuerySet[Any, tuple[int, str]],
    ids: list[int],
    batch_size: int = 256,
) -> int:
    """Embed the rows of ``ids`` whose stored vector (a row of ``vectors``, one per ``owner``)
    is missing or of another text, in batches; how many vectors were written. ``texts``
    yields (pk, text) and is narrowed to each batch. Worker-only (it runs the model)."""
    if not semantic.available():
        return 0
    written = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        current = set(
            vectors._default_manager.filter(
                **{f"{owner}_id__in": chunk, "model_name": semantic.MODEL_NAME}
            ).values_list(f"{owner}_id", "text_hash")
        )
        todo = [
            (pk, text)
            for pk, text in texts.filter(pk__in=chunk)
            if (pk, embedding_text_hash(text)) not in current
        ]
        if not todo:
            continue
        encoded = semantic.encode([text for _, text in todo])
        vectors._default_manager.bulk_create(
            [
                vectors(
                    **{f"{owner}_id": pk},
                    model_name=semantic.MODEL_NAME,
                    text_hash=embedding_text_hash(text),
                    dimensions=int(vector.shape[0]),
                    vector=vector.astype("<f4").tobytes(),
                )
                for (pk, text), vector in zip(todo, encoded, strict=True)
            ],
            update_conflicts=True,
            unique_fields=[owner],
            update_fields=["model_name", "text_hash", "dimensions", "vector", "updated_at"],
        )
        written += len(todo)
    return written


@dataclass
class _Cache:
    """All stored vectors of one model as one matrix, and how far the database was read."""

    index: semantic.VectorIndex | None = None
    seen_until: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def reset_cache() -> None:
    """Forget the in-process matrix (tests, or after a bulk reload)."""
    with _cache.lock:
        _cache.index = None
        _cache.seen_until = None


def _rows(since: datetime | None) -> Any:
    rows = ClaimEmbedding.objects.filter(model_name=semantic.MODEL_NAME)
    if since is not None:
        rows = rows.filter(updated_at__gte=since - CATCH_UP_OVERLAP)
    else:
        # Row order is the order equal cosines (copies of one text) are returned in: the
        # first recorded first, as the lexical ranking orders its ties.
        rows = rows.order_by("claim_id")
    return rows.values_list("claim_id", "dimensions", "vector", "updated_at")


def _refresh() -> semantic.VectorIndex:
    """Build the matrix on first use, then add rows stored or changed since."""
    with _cache.lock:
        # A deleted claim's vector may linger here; searches drop ids that no longer exist.
        index = _cache.index
        since = None if index is None else _cache.seen_until
        if index is None:
            index = semantic.VectorIndex()
        newest = since
        ids: list[int] = []
        vectors: list[Any] = []
        for claim_id, dimensions, raw, updated_at in _rows(since).iterator(chunk_size=2000):
            ids.append(claim_id)
            vectors.append(_from_bytes(raw, dimensions))
            if newest is None or updated_at > newest:
                newest = updated_at
        if ids and not len(index):
            index = semantic.VectorIndex(ids, semantic.np.vstack(vectors))
        else:
            for claim_id, vector in zip(ids, vectors, strict=True):
                index.upsert(claim_id, vector)
        _cache.index = index
        _cache.seen_until = newest
        return index


def semantic_candidates(*, vector: Any, exclude_id: int | None, k: int) -> list[tuple[int, float]]:
    """The ``k`` stored claims nearest to ``vector`` as (claim id, cosine), best first.

    Merged claims are left out (their canonical claim stands for them), as are deleted ones
    and ``exclude_id`` (the claim being analysed).  Empty without the semantic tier.
    """
    if not semantic.available() or k <= 0:
        return []
    index = _refresh()
    exclude = [] if exclude_id is None else [exclude_id]
    # Ask for more than k: merged and deleted claims are filtered out below.
    hits = [
        (cast(int, doc_id), score)
        for doc_id, score in index.search(vector, k=k * 2 + 5, exclude=exclude)
    ]
    live = set(
        Claim.objects.filter(pk__in=[doc_id for doc_id, _ in hits])
        .exclude(status=ClaimStatus.MERGED)
        .values_list("pk", flat=True)
    )
    return [(doc_id, score) for doc_id, score in hits if doc_id in live][:k]
