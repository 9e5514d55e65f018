"""Ranking on the mirror: BM25 over the term lists (the shortlist) and the exact order of a
shortlist, for one query or many at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from claims.engine.retrieval import DEFAULT_BM25

from .arrays import _Held, _keyed, _lookup


class Ranking(_Held):
    """The mirror's ranking methods."""

    def known_terms(self, terms: set[str]) -> dict[str, int]:
        """Those of ``terms`` some indexed claim holds, with their document frequencies
        (the set is matched against the vocabulary at once, not probed term by term)."""
        s = self._state
        with self._lock:
            found = terms & s.vocab.keys()
            return {t: n for t in found if (n := len(s.ids[s.vocab[t]])) > 0}

    def holds(self, claim_id: int) -> bool:
        """Whether the claim is indexed here."""
        with self._lock:
            return next(self._state.located([claim_id]), None) is not None

    def top(
        self, selective: list[tuple[str, float]], *, exclude: int, limit: int, avg_len: float
    ) -> list[int]:
        """The ``limit`` claims scoring best by BM25 over the ``selective`` (term, weight)
        pairs, ties to the earlier claim; ``exclude`` left out.

        Earlier, as ``engine.rank`` orders ties by indexing order: of two claims saying the
        same, the first one recorded is the original that later copies repeat and that merges
        keep, so it is the one to show first."""
        s = self._state
        k1, b = DEFAULT_BM25.k1, DEFAULT_BM25.b
        avg = avg_len or 1.0
        id_parts: list[Any] = []
        score_parts: list[Any] = []
        with self._lock:
            for term, weight in selective:
                tid = s.vocab.get(term)
                if tid is None or not s.ids[tid]:
                    continue
                # Copies: the arrays may grow (and move) once the lock is released.
                ids = np.array(s.ids[tid], dtype=np.int64)
                tf = np.array(s.tfs[tid], dtype=np.float64)
                lens = np.array(s.lens[tid], dtype=np.float64)
                lens[lens <= 0] = avg
                id_parts.append(ids)
                score_parts.append(
                    weight * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * lens / avg))
                )
        if not id_parts:
            return []
        ids = np.concatenate(id_parts)
        scores = np.concatenate(score_parts)
        claims, where = np.unique(ids, return_inverse=True)
        totals = np.bincount(where, weights=scores)
        keep = claims != exclude
        claims, totals = claims[keep], totals[keep]
        order = np.lexsort((claims, -totals))[:limit]
        return [int(c) for c in claims[order]]

    def rerank(
        self, shortlist: list[int], weights: dict[str, float], *, avg_len: float, k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` best of ``shortlist`` by BM25 over every weighted query term, best first
        (``rerank_many`` for one query)."""
        return self.rerank_many([shortlist], [weights], avg_len=avg_len, k=k)[0]

    def rerank_many(
        self,
        shortlists: Sequence[list[int]],
        weights: Sequence[dict[str, float]],
        *,
        avg_len: float,
        k: int,
    ) -> list[list[tuple[int, float]]]:
        """For each query, the ``k`` best of its shortlist by BM25 over every weighted query
        term, best first; all queries computed at once.

        ``engine.rank`` to the last bit (same formula, same order of additions: each claim's
        terms in term order), ties to the earlier place in the shortlist; claims sharing no
        weighted term, or no longer indexed, are left out.
        """
        s = self._state
        found: list[list[tuple[int, float]]] = [[] for _ in shortlists]
        if k <= 0:
            return found
        k1, b = DEFAULT_BM25.k1, DEFAULT_BM25.b
        avg = avg_len if avg_len > 0 else 1.0
        claims = [c for shortlist in shortlists for c in shortlist]
        with self._lock:
            width = len(s.terms) + 1
            keys, places = _keyed(s.vocab, width, weights)
            if not len(keys):
                return found
            # Only the terms and counts are used (subjects are few, read along).
            got = s.elements(claims)
        key_weights = np.array(
            [w for by_term in weights for w in by_term.values()], dtype=np.float64
        )[places]
        groups = np.array([q for q, sl in enumerate(shortlists) for _ in sl], dtype=np.int64)
        order_in = np.array([i for sl in shortlists for i in range(len(sl))], dtype=np.int64)
        owner, tf, n = got.owner, got.counts, len(claims)
        # Each claim's length from its own counts, summed in term order as engine.rank does.
        doc_len = np.bincount(owner, weights=tf, minlength=n)
        hit, slot = _lookup(groups[owner] * width + got.tids, keys)
        norm = k1 * (1.0 - b + b * doc_len / avg)
        freq = tf[hit]
        part = key_weights[slot[hit]] * freq * (k1 + 1.0) / (freq + norm[owner[hit]])
        scores = np.bincount(owner[hit], weights=part, minlength=n)
        matched = np.flatnonzero(np.bincount(owner[hit], minlength=n) > 0)
        ranked = matched[np.lexsort((order_in[matched], -scores[matched], groups[matched]))]
        # Place of each within its query's ranking, to keep the first k of each.
        group_of = groups[ranked]
        starts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
        within = np.arange(len(ranked)) - np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
        best = ranked[within < k]
        for i, q, score in zip(
            best.tolist(), groups[best].tolist(), scores[best].tolist(), strict=True
        ):
            found[q].append((claims[i], score))
        return found
