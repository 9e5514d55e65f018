"""BM25 statistics of a query, and the cache of analysed texts.

In-process state besides the index mirror (``mirror``, replayed from the database before
every ranking): analysed texts keyed by claim and exact text, so an edited claim is never
judged on its old wording.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from claims import engine
from claims.engine import stored
from claims.models import ClaimAnalysis

from .mirror import mirrors_clear

FEATURE_CACHE_SIZE = 50_000
# Index terms are stored cut to the column's length.
TERM_LENGTH = 64

_lock = threading.Lock()
_features: OrderedDict[tuple[int, str], engine.ClaimFeatures] = OrderedDict()


@dataclass(frozen=True)
class DatabaseStats:
    """Corpus statistics for BM25: corpus size and length, and the query terms' frequencies."""

    n_docs: int
    avg_len: float
    freqs: dict[str, int]

    def doc_freq(self, term: str) -> int:
        return self.freqs.get(term, 0)


def caches_clear() -> None:
    """Forget index mirrors and analysed texts (a new database, or a benchmark's cold start)."""
    mirrors_clear()
    with _lock:
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


def text_key(*texts: str) -> str:
    """Fingerprint of one text, or of a pair's texts (a flag's ``text_key``)."""
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()


# (claim id, text_key, engine version, stored features): a ``ClaimAnalysis`` row.
StoredRow = tuple[int, str, str, str]


def stored_row(claim_id: int, text: str, features: engine.ClaimFeatures) -> StoredRow:
    return (claim_id, text_key(text), engine.ENGINE_VERSION, stored.dumps(features))


def stored_features(
    text: str, stored_key: str | None, version: str | None, data: str | None
) -> engine.ClaimFeatures | None:
    """A claim's stored analysis, when it is of this very text and engine (else None)."""
    if data and version == engine.ENGINE_VERSION and stored_key == text_key(text):
        return stored.loads(data, text)
    return None


# A claim's stored analysis as read with it: (text_key, engine version, data), or Nones.
StoredColumns = tuple[str | None, str | None, str | None]


def features_known(
    texts: dict[int, str], *, stored: Mapping[int, StoredColumns] | None = None
) -> dict[int, engine.ClaimFeatures]:
    """``features_of`` for several claims, reading their stored analyses first.

    A claim analysed before (by this process or another, before a restart) whose text and
    engine are unchanged is not analysed again: the newsroom-language layer (number words,
    lemmas, relations) runs once per claim text. ``stored``: the claims' ``ClaimAnalysis``
    columns when the caller read them with the claims (no query of its own then).
    """
    found: dict[int, engine.ClaimFeatures] = {}
    with _lock:
        for pk, text in texts.items():
            cached = _features.get((pk, text))
            if cached is not None:
                found[pk] = cached
    missing = [pk for pk in texts if pk not in found]
    if missing:
        rows: Iterable[tuple[int, str | None, str | None, str | None]]
        if stored is not None:
            rows = ((pk, *stored[pk]) for pk in missing if pk in stored)
        else:
            rows = ClaimAnalysis.objects.filter(claim_id__in=missing).values_list(
                "claim_id", "text_key", "engine_version", "data"
            )
        for pk, key, version, data in rows:
            known = stored_features(texts[pk], key, version, data)
            if known is not None:
                found[pk] = known
                with _lock:
                    _features[(pk, texts[pk])] = known
    return {pk: found.get(pk) or features_of(pk, text) for pk, text in texts.items()}
