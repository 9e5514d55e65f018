"""Ranking the index for many queries at once, and the pre-check on candidates' postings.

One SQL statement ranks a whole batch: BM25 over each query's selective terms picks its
shortlist. One more query brings the shortlisted claims' postings, one row per claim, and
``engine.rank`` orders each shortlist by BM25 over all the query's terms (the common ones
too); the same postings feed the pre-check. Nothing here counts or joins whole tables, so a
query stays cheap at a million claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from claims import engine
from claims.engine.compare import compare_subjects, lexical_similarity
from claims.engine.retrieval import DEFAULT_BM25, query_weights
from claims.models import ClaimTerm

from .sql import fetch
from .stats import TERM_LENGTH, Corpus, DatabaseStats, corpus_stats, doc_freqs
from .timing import stage

# How many candidates from the index are classified pair by pair.
CANDIDATES = 30
# The selective pass keeps this many times more claims than asked for, for the exact BM25
# order (all query terms) to choose from; their postings are the largest read of an analysis.
# At a million claims a shortlist of k alone lost 2% of the planted pairs, twice k lost none
# (nor did three times); on clef2020 test and clef2021 dev all three give the same MAP@5.
RERANK_FACTOR = 2
# Query terms found in more than this share of claims carry almost no signal and would pull
# in a large part of the table, so the first pass skips them (the exact pass still uses them).
COMMON_TERM_SHARE = 0.05
# ... and, whatever the share, terms in more claims than this.
RETRIEVAL_DF_CAP = 5000
# Postings one query's first pass reads at most (beyond its two rarest terms). The planted
# repeats of the benchmark (1M claims) are all found through their rarest terms.
POSTINGS_BUDGET = 2_000
# SQLite binds at most 32,766 parameters per statement; four per query term.
SQLITE_TERMS_PER_STATEMENT = 5_000


@dataclass(frozen=True)
class Posting:
    """What the index holds about one candidate claim: its terms (with counts) and subjects."""

    terms: dict[str, int]
    subject_words: tuple[str, ...]
    complete: bool
    # The stems of ``subject_words``: in a complete posting, the terms carrying a surface.
    subject_stems: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _QueryTerms:
    key: int
    features: engine.ClaimFeatures
    exclude_id: int
    # The query's statistics (its terms' frequencies) for the exact order.
    stats: DatabaseStats
    # (term, weight) of the selective terms, those the SQL pass reads postings for.
    selective: list[tuple[str, float]]


def _query_terms(
    key: int,
    features: engine.ClaimFeatures,
    exclude_id: int | None,
    corpus: Corpus,
    freqs: dict[str, int],
) -> _QueryTerms | None:
    seen: dict[str, str] = {}
    for term in features.terms:
        seen.setdefault(term[:TERM_LENGTH], term)
    known = {t: freqs[t] for t in seen if freqs.get(t, 0) > 0}
    if not known:
        return None
    # A count cached a minute ago can be below a fresh frequency; BM25 needs n_docs >= df.
    n_docs = max(corpus.n_docs, max(known.values()))
    stats = DatabaseStats(n_docs=n_docs, avg_len=corpus.avg_len or 1.0, freqs=known)
    weights = query_weights(features, stats)
    limit = min(RETRIEVAL_DF_CAP, max(50, int(n_docs * COMMON_TERM_SHARE)))
    selective: set[str] = set()
    scanned = 0
    by_rarity = sorted(known, key=lambda t: (known[t], t))
    for term in by_rarity:
        # The rarest terms always take part; more are added while the postings to read stay
        # within budget, since what the first pass costs is the rows it aggregates.
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
        selective=[(t, weights.get(seen[t], 0.0)) for t in sorted(selective)],
    )


def _real(value: object) -> str:
    # Floating point throughout: a bare decimal literal is NUMERIC on PostgreSQL, and NUMERIC
    # arithmetic made the aggregate several times slower.
    return f"CAST({value} AS DOUBLE PRECISION)"


def _bm25() -> str:
    """BM25 of one posting ``p`` for query term ``q`` (``norm.avg_len`` the average claim length, a
    parameter); rows without a stored length count as average length. Only constants are
    formatted in, so the statement's text never changes and its plan can be reused."""
    k1, b = DEFAULT_BM25.k1, DEFAULT_BM25.b
    return (
        f"q.weight * p.count * {_real(k1 + 1.0)} / (p.count + {_real(k1)} * ({_real(1.0 - b)}"
        f" + {_real(b)} * (CASE WHEN p.doc_len > 0 THEN p.doc_len ELSE norm.avg_len END) / norm.avg_len))"
    )


def _rank_sql(source: str, table: str) -> str:
    bm25 = _bm25()
    # Ties go to the newer claim, as they always have.
    return f"""
        WITH q(qid, excl, term, weight) AS ({source}),
        norm(avg_len) AS (SELECT {_real("%s")}),
        first AS (
            SELECT q.qid, p.claim_id, SUM({bm25}) AS score
            FROM {table} p JOIN q ON p.term = q.term CROSS JOIN norm
            WHERE p.claim_id <> q.excl
            GROUP BY q.qid, p.claim_id
        )
        SELECT qid, claim_id FROM (
            SELECT qid, claim_id, ROW_NUMBER() OVER (
                PARTITION BY qid ORDER BY score DESC, claim_id DESC) AS rn
            FROM first
        ) AS f WHERE rn <= %s
        ORDER BY qid, rn
    """  # noqa: S608


def rank_many(
    queries: Iterable[tuple[int, engine.ClaimFeatures, int | None]], *, k: int
) -> tuple[dict[int, list[tuple[int, float]]], dict[int, Posting]]:
    """The ``k`` best indexed claims for each query (key, features, claim to leave out).

    Keys are the caller's (claim ids, or any distinct integers); every key gets a list,
    best first, possibly empty. Also returns the postings of every claim listed.
    """
    items = list(queries)
    ranked: dict[int, list[tuple[int, float]]] = {key: [] for key, _, _ in items}
    if not items or k <= 0:
        return ranked, {}
    corpus = corpus_stats()
    all_terms = list(
        dict.fromkeys(t[:TERM_LENGTH] for _, features, _ in items for t in features.terms)
    )
    if not all_terms:
        return ranked, {}
    with stage("rank.counts"):
        freqs = doc_freqs(all_terms, corpus)
    prepared = [
        q
        for key, features, exclude in items
        if (q := _query_terms(key, features, exclude, corpus, freqs)) is not None
    ]
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    shortlists: dict[int, list[int]] = {}
    with stage("rank.select"):
        for part in _parts(prepared):
            for qid, claim_id in _run(part, corpus.avg_len, table, k * RERANK_FACTOR):
                shortlists.setdefault(int(qid), []).append(int(claim_id))
    with stage("rank.postings"):
        postings = postings_for(cid for ids in shortlists.values() for cid in ids)
    for q in prepared:
        shortlist = [cid for cid in shortlists.get(q.key, ()) if cid in postings]
        best = engine.rank(
            q.features, ((cid, postings[cid].terms) for cid in shortlist), q.stats, k=k
        )
        ranked[q.key] = [(int(cid), score) for cid, score in best]  # type: ignore[call-overload]
    return ranked, postings


def _parts(prepared: list[_QueryTerms]) -> Iterable[list[_QueryTerms]]:
    if connection.vendor == "postgresql":
        yield prepared  # arrays: one statement whatever the size
        return
    part: list[_QueryTerms] = []
    size = 0
    for q in prepared:
        if part and size + len(q.selective) > SQLITE_TERMS_PER_STATEMENT:
            yield part
            part, size = [], 0
        part.append(q)
        size += len(q.selective)
    if part:
        yield part


def _run(part: list[_QueryTerms], avg_len: float, table: str, limit: int) -> list[tuple[Any, ...]]:
    rows = [(q.key, q.exclude_id, t, w) for q in part for t, w in q.selective]
    if not rows:
        return []
    if connection.vendor == "postgresql":
        source = (
            "SELECT * FROM unnest(CAST(%s AS bigint[]), CAST(%s AS bigint[]), "
            "CAST(%s AS text[]), CAST(%s AS double precision[]))"
        )
        args: list[Any] = [list(col) for col in zip(*rows, strict=True)]
    else:
        source = "VALUES " + ", ".join(["(%s, %s, %s, CAST(%s AS REAL))"] * len(rows))
        args = [value for row in rows for value in row]
    return fetch(_rank_sql(source, table), [*args, avg_len or 1.0, limit])


def postings_for(claim_ids: Iterable[int]) -> dict[int, Posting]:
    """The stored postings of these claims: their terms, counts and subject words."""
    ids = list(dict.fromkeys(claim_ids))
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ClaimTerm._meta.db_table)
        # One row per claim with its postings as arrays: the rows arrive already grouped
        # (the unique index is ordered by claim) and are parsed in C, not one by one here.
        # Terms in a fixed order, so BM25 sums them in the same order every time and a
        # claim scores the same to the last bit whichever batch it is ranked in.
        sql = f"""
            SELECT claim_id, array_agg(term ORDER BY term), array_agg(count ORDER BY term),
                   array_agg(term ORDER BY term) FILTER (WHERE surface <> ''),
                   string_agg(surface, ' ' ORDER BY term) FILTER (WHERE surface <> ''),
                   bool_and(complete)
            FROM {table} WHERE claim_id = ANY(CAST(%s AS bigint[]))
            GROUP BY claim_id
        """  # noqa: S608
        return {
            claim_id: Posting(
                terms=dict(zip(terms, counts, strict=True)),
                subject_words=tuple(surfaces.split(" ")) if surfaces else (),
                complete=bool(whole),
                subject_stems=frozenset(subject_terms or ()),
            )
            for claim_id, terms, counts, subject_terms, surfaces, whole in fetch(sql, [ids])
        }
    terms: dict[int, dict[str, int]] = {}
    words: dict[int, list[str]] = {}
    stems: dict[int, set[str]] = {}
    complete: dict[int, bool] = {}
    for claim_id, term, count, surface, whole in (
        ClaimTerm.objects.filter(claim_id__in=ids)
        .order_by("claim_id", "term")
        .values_list("claim_id", "term", "count", "surface", "complete")
    ):
        terms.setdefault(claim_id, {})[term] = count
        if surface:
            words.setdefault(claim_id, []).extend(surface.split(" "))
            stems.setdefault(claim_id, set()).add(term)
        complete[claim_id] = complete.get(claim_id, True) and bool(whole)
    return {
        cid: Posting(
            terms=t,
            subject_words=tuple(words.get(cid, ())),
            complete=complete[cid],
            subject_stems=frozenset(stems.get(cid, ())),
        )
        for cid, t in terms.items()
    }


def claim_candidates(
    *, features: engine.ClaimFeatures, exclude_id: int | None, k: int = CANDIDATES
) -> list[tuple[int, float]]:
    """The ``k`` indexed claims most similar to ``features`` (BM25), best first.

    ``features`` need not belong to a claim (evaluation queries); ``exclude_id`` leaves the
    analysed claim itself out.
    """
    return rank_many([(0, features, exclude_id)], k=k)[0][0]


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
