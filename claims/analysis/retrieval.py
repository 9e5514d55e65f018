"""Ranking the index for many queries at once, and the pre-check on candidates' postings.

Ranking runs on this process's mirror of the index (``mirror``), replayed up to the
database's latest commit first: BM25 over each query's selective terms picks a shortlist,
then BM25 over all the query's terms (the common ones too) orders it, ``engine.rank``'s maths
computed on the mirror's arrays for the whole batch at once (``Mirror.rerank_many``); the
pre-check (``flaggable``) counts on the same arrays. No statement is run per query beyond the
replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from claims import engine
from claims.engine.compare import (
    SUBJECT_WEIGHT,
    compare_subjects,
    content_terms,
    lexical_similarity,
    subject_word_kinds,
    subject_word_stems,
)
from claims.engine.retrieval import query_weights

from . import typos
from .mirror import Mirror, Posting, index_mirror, loaded_mirror
from .stats import TERM_LENGTH, DatabaseStats
from .timing import stage

# How many candidates from the index are classified pair by pair.
CANDIDATES = 30
# The selective pass keeps this many times more claims than asked for, for the exact BM25
# order (all query terms) to choose from.
# At a million claims a shortlist of k alone lost 2% of the planted pairs, twice k lost none
# (nor did three times); on clef2020 test and clef2021 dev all three give the same MAP@5.
RERANK_FACTOR = 2
# Query terms found in more than this share of claims carry almost no signal and would pull
# in a large part of the index, so the first pass skips them (the exact pass still uses them).
COMMON_TERM_SHARE = 0.05
# ... and, whatever the share, terms in more claims than this.
RETRIEVAL_DF_CAP = 5000
# Postings one query's first pass reads at most (beyond its two rarest terms). The planted
# repeats of the benchmark (1M claims) are all found through their rarest terms.
POSTINGS_BUDGET = 2_000

__all__ = [
    "CANDIDATES",
    "Posting",
    "claim_candidates",
    "could_flag",
    "flaggable",
    "postings_for",
    "rank_many",
]


@dataclass(frozen=True)
class _QueryTerms:
    key: int
    features: engine.ClaimFeatures
    exclude_id: int
    # The query's statistics (its terms' frequencies) for the exact order.
    stats: DatabaseStats
    # Each term's BM25 weight, stand-ins for misspelt terms (``typos``) included.
    weights: dict[str, float]
    # (term, weight) of the selective terms, those the first pass reads postings for.
    selective: list[tuple[str, float]]


def _query_terms(
    key: int,
    features: engine.ClaimFeatures,
    exclude_id: int | None,
    mirror: Mirror,
    avg_len: float,
    typo_tolerant: bool,
) -> _QueryTerms | None:
    seen: dict[str, str] = {}
    for term in features.terms:
        seen.setdefault(term[:TERM_LENGTH], term)
    known = {t: n for t in seen if (n := mirror.doc_freq(t)) > 0}
    stand_ins = _stand_ins(seen, known, exclude_id, mirror) if typo_tolerant else {}
    if not known and not stand_ins:
        return None
    stats = DatabaseStats(n_docs=mirror.n_docs, avg_len=avg_len, freqs=known | stand_ins)
    weights = query_weights(features, stats)
    if stand_ins:
        guessed = replace(features, terms=tuple(stand_ins), subject_stems=frozenset())
        for term, weight in query_weights(guessed, stats).items():
            weights.setdefault(term, typos.WEIGHT * weight)
        seen.update({term: term for term in stand_ins})
        known = known | stand_ins
    limit = min(RETRIEVAL_DF_CAP, max(50, int(stats.n_docs * COMMON_TERM_SHARE)))
    selective: set[str] = set()
    scanned = 0
    by_rarity = sorted(known, key=lambda t: (known[t], t))
    for term in by_rarity:
        # The rarest terms always take part; more are added while the postings to read stay
        # within budget, since what the first pass costs is the postings it adds up.
        if known[term] > limit or (len(selective) >= 2 and scanned + known[term] > POSTINGS_BUDGET):
            break
        selective.add(term)
        scanned += known[term]
    selective = selective or set(by_rarity[:2])
    return _QueryTerms(
        key=key,
        features=features,
        exclude_id=exclude_id if exclude_id is not None else -1,
        stats=stats,
        weights=weights,
        selective=[(t, weights.get(seen[t], 0.0)) for t in sorted(selective)],
    )


def _stand_ins(
    seen: dict[str, str], known: dict[str, int], exclude_id: int | None, mirror: Mirror
) -> dict[str, int]:
    """Index terms (with their frequencies) one edit away from the query's terms that no
    other claim holds: the likely spellings of a misspelt word."""
    # The analysed claim is indexed itself: its own terms count once for it.
    own = int(exclude_id is not None and mirror.holds(exclude_id))
    lonely = [t for t in seen if known.get(t, 0) - own <= 0 and typos.eligible(t)]
    lonely.sort(key=lambda t: (-len(t), t))
    found: dict[str, int] = {}
    for term in lonely[: typos.MAX_EXPANDED]:
        for variant in typos.variants(term, mirror.known_terms, set(seen)):
            found.setdefault(variant, mirror.doc_freq(variant))
    return found


def rank_many(
    queries: Iterable[tuple[int, engine.ClaimFeatures, int | None]],
    *,
    k: int,
    typo_tolerant: bool = True,
) -> dict[int, list[tuple[int, float]]]:
    """The ``k`` best indexed claims for each query (key, features, claim to leave out).

    Keys are the caller's (claim ids, or any distinct integers); every key gets a list,
    best first, possibly empty. ``typo_tolerant``: a query term no other claim holds is
    stood in for by the index terms one edit away (``typos``).
    """
    items = list(queries)
    ranked: dict[int, list[tuple[int, float]]] = {key: [] for key, _, _ in items}
    if not items or k <= 0:
        return ranked
    with stage("rank.replay"):
        mirror = index_mirror()
    with stage("rank.select"):
        # One average length for the whole batch, so one exact pass serves every query.
        avg_len = mirror.avg_len or 1.0
        prepared = [
            q
            for key, features, exclude in items
            if (q := _query_terms(key, features, exclude, mirror, avg_len, typo_tolerant))
            is not None
        ]
        shortlists = {
            q.key: mirror.top(
                q.selective,
                exclude=q.exclude_id,
                limit=k * RERANK_FACTOR,
                avg_len=q.stats.avg_len,
            )
            for q in prepared
        }
    # The exact order: BM25 over all the query's terms (``engine.rank``'s, on the mirror).
    with stage("rank.exact"):
        best = mirror.rerank_many(
            [shortlists[q.key] for q in prepared],
            [q.weights for q in prepared],
            avg_len=avg_len,
            k=k,
        )
        for q, found in zip(prepared, best, strict=True):
            ranked[q.key] = found
    return ranked


# Slack on the array pre-check's thresholds: it may only let through more than
# ``could_flag`` would, whatever the last bit of a division.
_SLACK = 1e-9


def flaggable(
    queries: dict[int, engine.ClaimFeatures],
    ranked: dict[int, list[tuple[int, float]]],
    limits: engine.Thresholds,
) -> dict[int, list[int]]:
    """Each query's ranked candidates that ``could_flag``, best first; unindexed ones left out.

    Most ranked claims merely share a few words with the query, or are about another
    subject (the same sentence naming another chip, say). What ``could_flag`` judges this
    by is counted for every pair of the batch at once on the mirror's arrays
    (``Mirror.overlaps``) and judged as it judges it; only the pairs left are read as
    postings and checked in full, so the answer is ``could_flag``'s.
    """
    keys = list(queries)
    found: dict[int, list[int]] = {key: [] for key in keys}
    pairs = [(q, cid) for q, key in enumerate(keys) for cid, _ in ranked.get(key, ())]
    if not pairs:
        return found
    mirror = loaded_mirror() or index_mirror()
    ours = [content_terms(queries[key]) for key in keys]
    subjects = [queries[key].subject_stems for key in keys]
    words = [_subject_kinds(queries[key]) for key in keys]
    counts = mirror.overlaps(pairs, ours, subjects, words)
    at = np.array([q for q, _ in pairs], dtype=np.int64)

    # lexical_similarity
    extra = SUBJECT_WEIGHT - 1.0
    ours_total = np.array([len(t) for t in ours], dtype=np.int64)[at]
    ours_subject = np.array([len(t & s) for t, s in zip(ours, subjects, strict=True)])[at]
    wa = ours_total + extra * (ours_subject + counts.theirs_only)
    wb = counts.content + extra * counts.content_subject
    ws = counts.shared + extra * counts.shared_subject
    light, heavy = np.minimum(wa, wb), np.maximum(wa, wb)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(light > 0, 0.5 * (2 * ws / (wa + wb)) + 0.5 * (ws / light), 0.0)
        ratio = np.where(light > 0, light / heavy, 0.0)

    # compare_subjects
    totals = np.array([subject_word_kinds(subject_word_stems(queries[key])) for key in keys])[at]
    ids_a = totals[:, 1] - counts.ours_shared[:, 1]
    names_a = totals[:, 2] - counts.ours_shared[:, 2]
    ids_b, names_b = counts.theirs_unshared[:, 1], counts.theirs_unshared[:, 2]
    rest_a, rest_b = ours_total - names_a, counts.content - names_b
    different = ((ids_a > 0) & (ids_b > 0)) | (
        (names_a > 0)
        & (names_b > 0)
        & (names_a <= 2)
        & (names_b <= 2)
        & (rest_a > 0)
        & (rest_b > 0)
        & (counts.shared >= 0.8 * np.maximum(rest_a, rest_b) + _SLACK)
    )

    # could_flag
    related = (score >= limits.related - _SLACK) | (
        (counts.ours_shared[:, 0] > 0) & (score >= limits.related * 0.75 - _SLACK)
    )
    repeat_possible = (ratio >= limits.repeat_length_ratio - _SLACK) & (
        score + 2 * limits.same_quantity_bonus >= limits.repeat - _SLACK
    )
    possible = related & ~different & ((score >= limits.conflict - _SLACK) | repeat_possible)
    # An incomplete posting cannot be judged from the index: could_flag lets it through.
    unjudged = counts.indexed & ~counts.complete
    left = np.flatnonzero(unjudged | (counts.indexed & possible)).tolist()
    postings = mirror.postings(pairs[i][1] for i in left if not unjudged[i])
    for i in left:
        q, cid = pairs[i]
        posting = postings.get(cid)
        if unjudged[i] or (posting is not None and could_flag(queries[keys[q]], posting, limits)):
            found[keys[q]].append(cid)
    return found


def _subject_kinds(features: engine.ClaimFeatures) -> dict[str, tuple[int, int, int]]:
    """Per stem, ``subject_word_kinds`` of the claim's subject words under it."""
    by_stem: dict[str, list[str]] = {}
    for word, stem in subject_word_stems(features).items():
        by_stem.setdefault(stem, []).append(word)
    return {stem: subject_word_kinds(words) for stem, words in by_stem.items()}


def postings_for(claim_ids: Iterable[int]) -> dict[int, Posting]:
    """The indexed postings of these claims: their terms, counts and subject words."""
    return index_mirror().postings(claim_ids)


def claim_candidates(
    *,
    features: engine.ClaimFeatures,
    exclude_id: int | None,
    k: int = CANDIDATES,
    typo_tolerant: bool = True,
) -> list[tuple[int, float]]:
    """The ``k`` indexed claims most similar to ``features`` (BM25), best first.

    ``features`` need not belong to a claim (evaluation queries); ``exclude_id`` leaves the
    analysed claim itself out.
    """
    return rank_many([(0, features, exclude_id)], k=k, typo_tolerant=typo_tolerant)[0]


def could_flag(features: engine.ClaimFeatures, posting: Posting, limits: engine.Thresholds) -> bool:
    """Whether the pair can be a repeat or a conflict at all, judged from the postings.

    The classifier first measures the lexical overlap of the two term sets and compares
    subject words: too little overlap is "unrelated", another subject is "compatible", and
    neither is flagged. Both checks need only what the postings hold, so they are run here
    exactly as the classifier runs them, and only the survivors' texts are analysed.
    """
    if not posting.complete:
        return True
    stub = engine.ClaimFeatures(
        text="",
        normalized="",
        tokens=(),
        terms=tuple(posting.terms),
        quantities=(),
        negated=False,
        directions=(),
        years=(),
        dates=(),
        subject_terms=posting.subject_words,
        # A complete posting stores each subject word under its stem (``postings_of``), so
        # the stems need not be computed again here.
        subject_stems=posting.subject_stems,
        subject_stem_of=posting.subject_stem_of,
    )
    lex = lexical_similarity(features, stub)
    if lex.score < limits.related * 0.75:
        return False  # unrelated whatever the subjects
    subjects = compare_subjects(features, stub, lex)
    related = lex.score >= limits.related or (
        bool(subjects.shared) and lex.score >= limits.related * 0.75
    )
    if not related or subjects.different:
        return False
    # A conflict is only trusted above the conflict threshold; below it only a repeat is
    # possible, and a repeat needs both sides to carry a similar amount of content and a
    # score that even the best figure bonus cannot lift otherwise.
    repeat_possible = (
        lex.length_ratio >= limits.repeat_length_ratio
        and lex.score + 2 * limits.same_quantity_bonus >= limits.repeat
    )
    return lex.score >= limits.conflict or repeat_possible
