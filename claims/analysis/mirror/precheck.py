"""What the pre-check reads from the mirror: the overlaps of (query, candidate) pairs counted on
arrays, and candidates' postings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import _Held, _keyed, _lookup


@dataclass(frozen=True)
class Posting:
    """What the index holds about one candidate claim: its terms (with counts) and subjects."""

    terms: dict[str, int]
    subject_words: tuple[str, ...]
    complete: bool
    # The stems of ``subject_words``: in a complete posting, the terms carrying a surface.
    subject_stems: frozenset[str] = frozenset()
    # The stem of each of ``subject_words``, in order.
    subject_stem_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairOverlaps:
    """What a query and a candidate have in common, for many (query, candidate) pairs: each
    field an array with one value per pair.

    Terms are counted over the candidate's content terms (``compare.content_terms``: numbers
    left out), a "subject" term being a subject stem of either side, as
    ``compare.lexical_similarity`` weighs it. Subject words are compared by stem, as
    ``compare.compare_subjects`` compares them.
    """

    indexed: np.ndarray[Any, Any]  # the candidate is in the index (else every count is 0)
    complete: np.ndarray[Any, Any]  # its postings hold all its terms and subject words
    content: np.ndarray[Any, Any]  # the candidate's content terms
    content_subject: np.ndarray[Any, Any]  # ... of them subjects
    shared: np.ndarray[Any, Any]  # ... of them also the query's terms
    shared_subject: np.ndarray[Any, Any]  # ... of those subjects
    # Shared terms that are the candidate's subject stems and not the query's.
    theirs_only: np.ndarray[Any, Any]
    # The query's subject words whose stem the candidate's subjects share: how many, of
    # them identifiers, of them names (the query's figures for each stem, summed).
    ours_shared: np.ndarray[Any, Any]  # shape (pairs, 3)
    # The candidate's subject words whose stem is not among the query's: how many, of them
    # identifiers, of them names.
    theirs_unshared: np.ndarray[Any, Any]  # shape (pairs, 3)


class Overlaps(_Held):
    """The mirror's pre-check methods."""

    def overlaps(
        self,
        pairs: list[tuple[int, int]],
        terms: Sequence[Iterable[str]],
        subjects: Sequence[Iterable[str]],
        subject_words: Sequence[dict[str, tuple[int, int, int]]],
    ) -> PairOverlaps:
        """What each (query, candidate claim) pair has in common, all pairs at once.

        For query ``q``: ``terms[q]`` its content terms, ``subjects[q]`` its subject stems
        and ``subject_words[q]`` the (words, identifiers, names) figures of its subject words
        under each stem. This is ``compare``'s arithmetic spread over arrays, so a batch's
        pre-check need not build a posting and sets for each candidate only to count.
        """
        s = self._state
        n = len(pairs)
        queries = np.array([q for q, _ in pairs], dtype=np.int64)
        with self._lock:
            # Keys (query or pair, term id) let one sorted search serve every pair.
            width = len(s.terms) + 1
            query_terms, _ = _keyed(s.vocab, width, terms)
            query_subjects, _ = _keyed(s.vocab, width, subjects)
            stem_keys, places = _keyed(s.vocab, width, subject_words)
            got = s.elements([claim_id for _, claim_id in pairs])
            content = np.frombuffer(bytes(s.content), dtype=np.bool_)[got.tids]
        pair_of, tids, spair_of, stids = got.owner, got.tids, got.subject_owner, got.stids

        def per_pair(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            return np.bincount(pair_of[mask], minlength=n)

        def slot_sums(values: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> Any:
            return np.stack(
                [np.bincount(spair_of[mask], weights=v[mask], minlength=n) for v in values.T],
                axis=1,
            )

        # Terms, for the lexical overlap.
        query_keys = queries[pair_of] * width + tids
        shared = content & _lookup(query_keys, query_terms)[0]
        ours = _lookup(query_keys, query_subjects)[0]
        theirs = _lookup(pair_of * width + tids, np.unique(spair_of * width + stids))[0]
        subject = ours | theirs
        # Subject words, by stem: the candidate's subject terms the query shares or not.
        figures = [f for by_stem in subject_words for f in by_stem.values()]
        stem_figures = np.array(figures, dtype=np.int64).reshape(-1, 3)[places]
        in_query, slot = _lookup(queries[spair_of] * width + stids, stem_keys)
        mine = stem_figures[slot] if len(stem_keys) else np.zeros((len(slot), 3), np.int64)
        return PairOverlaps(
            indexed=got.indexed,
            complete=got.complete,
            content=per_pair(content),
            content_subject=per_pair(content & subject),
            shared=per_pair(shared),
            shared_subject=per_pair(shared & subject),
            theirs_only=per_pair(shared & theirs & ~ours),
            ours_shared=slot_sums(mine, in_query),
            theirs_unshared=slot_sums(got.skinds, ~in_query),
        )

    def postings(self, claim_ids: Iterable[int]) -> dict[int, Posting]:
        s = self._state
        found: dict[int, Posting] = {}
        with self._lock:
            for claim_id, doc in s.docs_of(list(claim_ids)):
                terms = s.terms
                words: list[str] = []
                stems: list[str] = []
                for tid, surface in zip(doc.subjects, doc.surfaces, strict=True):
                    split = surface.split(" ")
                    words += split
                    stems += [terms[tid]] * len(split)
                found[claim_id] = Posting(
                    terms={
                        terms[t]: c
                        for t, c in zip(doc.tids.tolist(), doc.counts.tolist(), strict=True)
                    },
                    subject_words=tuple(words),
                    complete=doc.complete,
                    subject_stems=frozenset(stems),
                    subject_stem_of=tuple(stems),
                )
        return found
