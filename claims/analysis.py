"""Analysing a claim against every claim in the database, and keeping its flags current.

The matching engine (``claims.engine``) is pure Python; this module is its database side: the
inverted index in ``ClaimTerm``, corpus statistics read from it, and the ``Flag`` rows.

Scale: one analysis must stay in milliseconds with a million claims, so nothing here counts or
joins whole tables per query. Postings carry their BM25 inputs (term frequency, claim length),
merged claims leave the index when they are merged, document frequencies are counted only up to
a cap, and candidates are scored inside one SQL query over the term index. The only in-process
caches are statistics that may be slightly stale (claim count, average length, frequencies of
very common terms) and analysed texts keyed by their exact text; which claims are candidates is
always read from the database, so a claim committed before the query is never missed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from claims import engine
from claims.engine import semantic
from claims.engine.compare import compare_subjects, lexical_similarity
from claims.engine.features import MAX_INDEX_TERMS
from claims.engine.normalize import stem
from claims.engine.retrieval import DEFAULT_BM25, query_weights
from claims.models import AnalysisState, Claim, ClaimStatus, ClaimTerm, Flag, FlagKind, FlagStatus
from claims.semantic_index import (
    claim_embed,
    embedding_vector,
    semantic_candidates,
)
from reviews.models import Verdict, VerdictState

# How many candidates from the index are classified pair by pair.
CANDIDATES = 30
# The SQL pass keeps this many times more claims than asked for; the exact BM25 pass (with the
# common terms too) then picks the best among them.
RERANK_FACTOR = 3
# Query terms found in more than this share of claims carry almost no signal and would pull
# in a large part of the table, so candidate retrieval skips them (ranking still uses them).
COMMON_TERM_SHARE = 0.05
# ... and, whatever the share, terms in more claims than this (the cost of one query grows with
# the postings it reads). Frequencies are counted only up to this cap.
RETRIEVAL_DF_CAP = 5000
# Postings one ranking query reads at most (beyond its two rarest terms). The planted repeats
# of the benchmark (1M claims) are all found through their rarest terms; 12,000 and 5,000
# found no more and cost time.
POSTINGS_BUDGET = 2_000
# Frequencies are counted exactly up to this; beyond it they are estimated from the corpus
# sample. Counting reads up to this many index entries for every query term, which cost more
# than the ranking query itself when it was the retrieval cap above.
DF_COUNT_CAP = 1000
# Index terms are stored cut to the column's length.
TERM_LENGTH = 64
# Corpus size and average length change slowly; below SMALL_CORPUS claims they are simply
# counted every time (cheap, and exact for tests and small desks).
STATS_TTL_SECONDS = 60.0
COMMON_DF_TTL_SECONDS = 600.0
# Terms in at least this many claims have their count remembered for a while too: counting
# them is what one query spent most on after ranking, and a count a little stale only shifts
# a weight (the postings themselves are always read fresh). Rarer terms are counted every time.
REMEMBERED_DF_MIN = 50
REMEMBERED_DF_TTL_SECONDS = 60.0
SMALL_CORPUS = 5_000
LENGTH_SAMPLE = 2000
FEATURE_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class DatabaseStats:
    """Corpus statistics for BM25: corpus size and length, and the query terms' frequencies."""

    n_docs: int
    avg_len: float
    freqs: dict[str, int]

    def doc_freq(self, term: str) -> int:
        return self.freqs.get(term, 0)


@dataclass(frozen=True)
class Posting:
    """What the index holds about one candidate claim: its terms (with counts) and subjects."""

    terms: dict[str, int]
    subject_words: tuple[str, ...]
    complete: bool
    # The stems of ``subject_words``: in a complete posting, the terms carrying a surface.
    subject_stems: frozenset[str] = frozenset()


def text_key(*texts: str) -> str:
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()


def thresholds() -> engine.Thresholds:
    return replace(engine.Thresholds(), **settings.MATCHING_THRESHOLDS)


def claim_request_analysis(*, claim: Claim) -> None:
    """Mark a claim pending and enqueue its analysis once the transaction commits.

    The pending state is the durable record: when the broker is down the save still succeeds
    (the publish gives up within the broker timeouts and logs a warning) and the periodic
    sweep enqueues the claim later.
    """
    from claims.tasks import analysis_enqueue

    Claim.objects.filter(pk=claim.pk).update(
        analysis_state=AnalysisState.PENDING, analysis_requested_at=timezone.now()
    )
    claim.analysis_state = AnalysisState.PENDING
    claim_id = claim.pk
    transaction.on_commit(lambda: analysis_enqueue(claim_id))


# --- in-process caches -------------------------------------------------------------------

_lock = threading.Lock()
_corpus: tuple[float, Corpus] | None = None
# term -> (expiry on the monotonic clock, frequency)
_common_df: dict[str, tuple[float, int]] = {}
_features: OrderedDict[tuple[int, str], engine.ClaimFeatures] = OrderedDict()


@dataclass
class _BatchState:
    """What ``claims_analyze`` read or wrote once for a whole batch, for the per-claim helpers.

    ``indexed``: (claim, text) pairs whose postings the batch has just brought up to date.
    ``freqs``: document frequencies of the batch's query terms, counted after that write.
    ``flagged``: claims of the batch with a flag, kept up to date as the batch stores flags.
    """

    indexed: set[tuple[int, str]]
    freqs: dict[str, int]
    flagged: set[int]
    # Whether the session commits without waiting for the flush (see _commit_without_waiting).
    session_quick: bool = False


# The batch being analysed by this thread, if any.
_batch = threading.local()


def _batch_state() -> _BatchState | None:
    state: _BatchState | None = getattr(_batch, "state", None)
    return state


def analysis_caches_clear() -> None:
    """Forget cached statistics and analysed texts (a new database, or a benchmark's cold start)."""
    global _corpus
    with _lock:
        _corpus = None
        _common_df.clear()
        _features.clear()


def _features_of(claim_id: int, text: str) -> engine.ClaimFeatures:
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


@dataclass(frozen=True)
class Corpus:
    """Slowly changing corpus figures: size, average length, and a sample of term counts."""

    n_docs: int
    avg_len: float
    sample: dict[str, int]
    sample_docs: int

    def estimate(self, term: str, floor: int) -> int:
        """Frequency of a common term, extrapolated from the sample (never below ``floor``)."""
        if not self.sample_docs:
            return floor
        return max(floor, round(self.sample.get(term, 0) / self.sample_docs * self.n_docs))


def _corpus_stats() -> Corpus:
    """Claims in the index, their average length (sum of term counts), and a term sample."""
    global _corpus
    now = time.monotonic()
    with _lock:
        cached = _corpus
    if (
        cached is not None
        and now - cached[0] < STATS_TTL_SECONDS
        and cached[1].n_docs >= SMALL_CORPUS
    ):
        return cached[1]
    n_docs = Claim.objects.exclude(status=ClaimStatus.MERGED).count()
    # The newest indexed claims stand for the corpus: plenty for BM25's length normalisation
    # and for the frequency of common terms, and the same cost at any corpus size.
    last = ClaimTerm.objects.aggregate(last=Max("claim_id"))["last"] or 0
    sample: dict[str, int] = {}
    claims: set[int] = set()
    total = 0
    for claim_id, term, count in ClaimTerm.objects.filter(
        claim_id__gt=last - LENGTH_SAMPLE
    ).values_list("claim_id", "term", "count"):
        sample[term] = sample.get(term, 0) + 1
        claims.add(claim_id)
        total += count
    corpus = Corpus(
        n_docs=n_docs,
        avg_len=total / len(claims) if claims else 0.0,
        sample=sample,
        sample_docs=len(claims),
    )
    with _lock:
        _corpus = (now, corpus)
    return corpus


def _doc_freqs(terms: list[str], corpus: Corpus) -> dict[str, int]:
    """Document frequency of each term, exact up to ``DF_COUNT_CAP``.

    Rare terms are counted fresh on every query (a term first indexed a moment ago must count);
    terms beyond the cap are common: retrieval uses them only within its postings budget and
    ranking only needs their rough weight, so their frequency is extrapolated from the corpus
    sample and remembered. Terms in
    between (``REMEMBERED_DF_MIN`` claims or more) are remembered for a minute: a remembered
    count is never zero, so the term still takes part and its postings are read fresh.
    """
    now = time.monotonic()
    freqs: dict[str, int] = {}
    state = _batch_state()
    if state is not None:
        # Counted for the whole batch a moment ago. A term absent then is counted again: a
        # claim committed since may carry it, and retrieval must not skip that claim.
        freqs.update((t, state.freqs[t]) for t in terms if state.freqs.get(t, 0) > 0)
    with _lock:
        for term in terms:
            cached = _common_df.get(term)
            if cached is not None and now <= cached[0]:
                # Known to be common (frequencies only grow), so not counted again.
                freqs[term] = cached[1]
    to_count = [t for t in terms if t not in freqs]
    if not to_count:
        return freqs
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    cap = DF_COUNT_CAP + 1
    # One round trip; each LIMIT stops a common term's count early. Only the quoted table name
    # and integers are formatted in; the terms are bound parameters.
    if connection.vendor == "postgresql":
        # One subquery planned once and run per term: with one subquery per term, planning a
        # batch's few thousand terms cost more than counting them.
        sql = f"""
            SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM {table} p WHERE p.term = q.term
                                          LIMIT {cap}) AS c)
            FROM unnest(CAST(%s AS text[])) WITH ORDINALITY AS q(term, i) ORDER BY q.i
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [to_count])
            row = [n for (n,) in cursor.fetchall()]
    else:
        columns = ", ".join(
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE term = %s LIMIT {cap}) AS p{i})"  # noqa: S608
            for i in range(len(to_count))
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns}", to_count)
            row = list(cursor.fetchone())
    remembered: dict[str, tuple[float, int]] = {}
    for term, n in zip(to_count, (int(n) for n in row), strict=True):
        if n >= cap:
            n = corpus.estimate(term, floor=cap)
            remembered[term] = (now + COMMON_DF_TTL_SECONDS, n)
        elif n >= REMEMBERED_DF_MIN:
            remembered[term] = (now + REMEMBERED_DF_TTL_SECONDS, n)
        freqs[term] = n
    if remembered:
        with _lock:
            _common_df.update(remembered)
            if len(_common_df) > FEATURE_CACHE_SIZE:
                # Expired entries go; what remains is bounded by the distinct common terms.
                for term in [t for t, (until, _) in _common_df.items() if until < now]:
                    del _common_df[term]
    return freqs


def _commit_without_waiting() -> None:
    """Let the current transaction commit without waiting for its WAL flush (PostgreSQL).

    Analysis writes only what analysis can write again: postings, flags, the claim's analysis
    state. Waiting for the disk flush on every commit cost more than the whole ranking query.
    A database crash can lose the last few such commits, but never part of the order: the WAL
    is replayed in sequence, so a lost index or flag write also loses the later "analysed"
    mark, the claim stays pending, and the sweep analyses it again. Other writes in the
    session keep the server's setting (SET LOCAL ends with the transaction).
    """
    state = _batch_state()
    if state is not None and state.session_quick:
        return  # the batch set it for its whole session already
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _session_commits(*, wait: bool) -> None:
    # For a whole batch at once rather than one SET LOCAL per claim; RESET restores the
    # server's setting for whatever the connection runs next.
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit" if wait else "SET synchronous_commit TO OFF")


# --- the index -----------------------------------------------------------------------------


def _postings(claim_id: int, features: engine.ClaimFeatures) -> list[ClaimTerm]:
    counts: dict[str, int] = {}
    for term, n in engine.index_term_counts(features).items():
        key = term[:TERM_LENGTH]
        counts[key] = counts.get(key, 0) + n
    surfaces: dict[str, list[str]] = {}
    for word in features.subject_terms:
        surfaces.setdefault(stem(word), []).append(word)
    surface = {term: " ".join(words) for term, words in surfaces.items()}
    complete = (
        len(counts) == len(set(features.terms))
        and len(counts) < MAX_INDEX_TERMS
        and all(len(term) < TERM_LENGTH for term in counts)
        and all(term in counts and len(text) <= 200 for term, text in surface.items())
        and not any(" " in word for word in features.subject_terms)
    )
    doc_len = min(sum(counts.values()), 32767)
    return [
        ClaimTerm(
            claim_id=claim_id,
            term=term,
            count=min(n, 32767),
            doc_len=doc_len,
            surface=surface.get(term, ""),
            complete=complete,
        )
        for term, n in counts.items()
    ]


def _index(claim: Claim, features: engine.ClaimFeatures) -> None:
    state = _batch_state()
    if state is not None and (claim.pk, claim.text) in state.indexed:
        return  # the batch indexed this very text a moment ago
    rows = _postings(claim.pk, features)
    if _index_new(claim.pk, rows):
        return
    fields = ("term", "count", "doc_len", "surface", "complete")
    wanted = {tuple(getattr(r, f) for f in fields) for r in rows}
    stored = set(ClaimTerm.objects.filter(claim=claim).values_list(*fields))
    if stored == wanted:
        return  # re-analysis of an unchanged text writes nothing
    with transaction.atomic():
        _commit_without_waiting()
        if stored:
            ClaimTerm.objects.filter(claim=claim).delete()
        ClaimTerm.objects.bulk_create(rows)


def _index_new(claim_id: int, rows: list[ClaimTerm]) -> bool:
    """Write the postings of a claim that has none, in one statement; False if it has some.

    A new claim (what the analysis task mostly sees) then costs one round trip, not a read
    and a transaction. PostgreSQL only, and only outside a transaction: the statement is its
    own transaction, committed without waiting for the flush (see _commit_without_waiting).
    """
    if not rows or connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    args: list[str | int | bool] = []
    for row in rows:
        args += [row.term, row.count, row.doc_len, row.surface, row.complete]
    args.append(claim_id)
    # Only the table name is formatted in; everything else is a parameter.
    sql = f"""
        WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))
        INSERT INTO {table} (claim_id, term, count, doc_len, surface, complete)
        SELECT %s, v.term, v.count, v.doc_len, v.surface, v.complete
        FROM (VALUES {values}) AS v(term, count, doc_len, surface, complete), quick
        WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE claim_id = %s)
    """  # noqa: S608
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [claim_id, *args])
            inserted = cursor.rowcount
    except IntegrityError:
        return False  # another worker indexed it meanwhile (or the claim is gone)
    return inserted > 0


def claims_index(*, claim_ids: Iterable[int], batch_size: int = 1000) -> int:
    """Index many claims at once (a pool to search, a re-index); returns postings written.

    Merged claims are left out of the index; their old postings go.
    """
    written = 0
    ids = list(claim_ids)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        rows: list[ClaimTerm] = []
        for claim_id, text, status in Claim.objects.filter(pk__in=chunk).values_list(
            "pk", "text", "status"
        ):
            if status != ClaimStatus.MERGED:
                rows.extend(_postings(claim_id, engine.analyze(text)))
        with transaction.atomic():
            ClaimTerm.objects.filter(claim_id__in=chunk).delete()
            ClaimTerm.objects.bulk_create(rows, batch_size=5000)
        written += len(rows)
    return written


def claim_unindex(*, claim_id: int) -> None:
    """Take a claim out of the index (it was merged into another)."""
    ClaimTerm.objects.filter(claim_id=claim_id).delete()


# --- ranking -------------------------------------------------------------------------------


def _retrieve(
    features: engine.ClaimFeatures, exclude_id: int | None, k: int
) -> tuple[list[tuple[int, float]], dict[int, Posting]]:
    query_terms = list(dict.fromkeys(t[:TERM_LENGTH] for t in features.terms))
    if not query_terms or k <= 0:
        return [], {}
    corpus = _corpus_stats()
    n_docs, avg_len = corpus.n_docs, corpus.avg_len
    freqs = {t: n for t, n in _doc_freqs(query_terms, corpus).items() if n > 0}
    if not freqs:
        return [], {}
    # A count cached a minute ago can be below a fresh frequency; BM25 needs n_docs >= df.
    n_docs = max(n_docs, max(freqs.values()))
    stats = DatabaseStats(n_docs=n_docs, avg_len=avg_len or 1.0, freqs=freqs)
    weights = query_weights(features, stats)
    limit = min(RETRIEVAL_DF_CAP, max(50, int(n_docs * COMMON_TERM_SHARE)))
    by_rarity = sorted(freqs, key=lambda t: (freqs[t], t))
    selective: list[str] = []
    scanned = 0
    for term in by_rarity:
        # The rarest terms always take part; more are added while the postings to read stay
        # within budget, since what a query costs is the rows it aggregates.
        if freqs[term] > limit or (len(selective) >= 2 and scanned + freqs[term] > POSTINGS_BUDGET):
            break
        selective.append(term)
        scanned += freqs[term]
    selective = selective or by_rarity[:2]
    params = DEFAULT_BM25
    values = ", ".join(["(%s, CAST(%s AS DOUBLE PRECISION))"] * len(selective))
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)

    # BM25 over the selective terms, scored from the postings alone (an index-only scan on
    # PostgreSQL); rows written before lengths were stored count as average length.
    def real(value: object) -> str:
        # Floating point throughout: a bare decimal literal is NUMERIC on PostgreSQL, and
        # NUMERIC arithmetic made the aggregate several times slower.
        return f"CAST({value} AS DOUBLE PRECISION)"

    # Only the table name and BM25 constants are formatted in; values are parameters.
    sql = f"""
        WITH q(term, weight) AS (VALUES {values}),
        top AS (
            SELECT p.claim_id,
                   SUM(q.weight * p.count * {real(params.k1 + 1.0)}
                       / (p.count + {real(params.k1)} * ({real(1.0 - params.b)} + {real(params.b)}
                          * (CASE WHEN p.doc_len > 0 THEN p.doc_len ELSE {real("%s")} END)
                          / {real("%s")}))) AS score
            FROM {table} p JOIN q ON p.term = q.term
            WHERE p.claim_id <> %s
            GROUP BY p.claim_id
            ORDER BY score DESC, p.claim_id DESC
            LIMIT %s
        )
        SELECT t.claim_id, t.term, t.count, t.surface, t.complete
        FROM {table} t JOIN top ON t.claim_id = top.claim_id
    """  # noqa: S608
    args: list[str | float | int] = []
    for term in selective:
        args += [term, weights.get(term, 0.0)]
    args += [stats.avg_len, stats.avg_len, exclude_id if exclude_id is not None else -1]
    args.append(k * RERANK_FACTOR)
    terms: dict[int, dict[str, int]] = {}
    words: dict[int, list[str]] = {}
    stems: dict[int, set[str]] = {}
    complete: dict[int, bool] = {}
    # The best claims' whole postings come back in the same round trip, for the exact BM25
    # pass (common terms included) and the pre-check before classification.
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        for claim_id, term, count, surface, whole in cursor.fetchall():
            terms.setdefault(claim_id, {})[term] = count
            if surface:
                words.setdefault(claim_id, []).extend(surface.split(" "))
                stems.setdefault(claim_id, set()).add(term)
            complete[claim_id] = complete.get(claim_id, True) and bool(whole)
    postings = {
        cid: Posting(
            terms=t,
            subject_words=tuple(words.get(cid, ())),
            complete=complete[cid],
            subject_stems=frozenset(stems.get(cid, ())),
        )
        for cid, t in terms.items()
    }
    ranked = engine.rank(features, ((cid, p.terms) for cid, p in postings.items()), stats, k=k)
    return [(int(cid), score) for cid, score in ranked], postings  # type: ignore[call-overload]


def claim_candidates(
    *, features: engine.ClaimFeatures, exclude_id: int | None, k: int = CANDIDATES
) -> list[tuple[int, float]]:
    """The ``k`` indexed claims most similar to ``features`` (BM25), best first.

    ``features`` need not belong to a claim (evaluation queries); ``exclude_id`` leaves the
    analysed claim itself out.
    """
    ranked, _ = _retrieve(features, exclude_id, k)
    return ranked


def _could_flag(
    features: engine.ClaimFeatures, posting: Posting, limits: engine.Thresholds
) -> bool:
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
        # A complete posting stores each subject word under its stem (``_postings``), so the
        # stems need not be computed again here.
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


def _published_ratings(ids: list[int]) -> dict[int, str]:
    return dict(
        Verdict.objects.filter(claim_id__in=ids, state=VerdictState.PUBLISHED).values_list(
            "claim_id", "rating"
        )
    )


def claim_analyze(*, claim_id: int) -> list[Flag] | None:
    """Index the claim, compare it with its best candidates and bring its flags up to date.

    Idempotent: running it again (or in two workers at once) leaves the same flags, because a
    pair and kind is one row (a unique constraint) and rows are upserted, never appended.
    Returns None when the claim is gone or merged.
    """
    claim = Claim.objects.filter(pk=claim_id).only("pk", "text", "status").first()
    if claim is None:
        return None
    if claim.status == ClaimStatus.MERGED:
        claim_unindex(claim_id=claim_id)
        Claim.objects.filter(pk=claim_id).update(analysis_state=AnalysisState.DONE)
        return None
    features = _features_of(claim.pk, claim.text)
    _index(claim, features)
    limits = thresholds()
    ranked, postings = _retrieve(features, claim.pk, CANDIDATES)
    # Candidates that cannot reach a flag are not fetched nor analysed: most of the time the
    # best-ranked claims merely share a few words with this one.
    candidates = [cid for cid, _ in ranked if _could_flag(features, postings[cid], limits)]
    # The semantic tier adds neighbours in meaning that share too few words to be ranked.
    similarities = _semantic_neighbours(claim)
    ranked_ids = set(candidates)
    candidates += [cid for cid in similarities if cid not in ranked_ids]
    others = Claim.objects.only("pk", "text").in_bulk(candidates)
    ratings = _published_ratings([claim.pk, *others]) if others else {}
    found: dict[tuple[int, int, str], dict[str, object]] = {}
    for other_id in candidates:
        other = others.get(other_id)
        if other is None:
            continue
        result, method = pair_compare(
            features,
            _features_of(other_id, other.text),
            similarity=similarities.get(other_id),
            thresholds=limits,
        )
        pair = (min(claim.pk, other_id), max(claim.pk, other_id))
        key_text = text_key(*(c.text for c in sorted((claim, other), key=lambda c: c.pk)))
        if result.label in (FlagKind.REPEAT, FlagKind.CONFLICT):
            found[(*pair, result.label)] = {
                "score": round(result.score, 4),
                "method": method,
                "reasons": list(result.reasons),
                "details": result.details,
                "text_key": key_text,
            }
        mine, theirs = ratings.get(claim.pk), ratings.get(other_id)
        if result.label == FlagKind.REPEAT and mine and theirs and mine != theirs:
            found[(*pair, FlagKind.CONFLICT)] = {
                "score": round(result.score, 4),
                "method": "verdict",
                "reasons": [
                    *result.reasons,
                    f"The claims repeat each other but their published ratings differ: "
                    f"{mine} vs {theirs}.",
                ],
                "details": result.details,
                "text_key": key_text,
            }
    with transaction.atomic():
        flags = _store_flags(claim.pk, found)
        Claim.objects.filter(pk=claim.pk).update(
            analysis_state=AnalysisState.DONE,
            analysed_at=timezone.now(),
            analysed_engine=engine.ENGINE_VERSION,
        )
    return flags


def claims_analyze(*, claim_ids: Iterable[int], batch_size: int = 200) -> int:
    """Analyse a backlog of claims (a batch task, a re-analysis after an engine change);
    returns how many were analysed. One worker process runs one batch.

    Each claim goes through ``claim_analyze``, as a single claim would; what can be done once
    for many claims is done once per ``batch_size`` claims beforehand: indexing them (one
    insert), counting their terms' frequencies (one query) and finding which have flags.
    """
    done = 0
    ids = list(dict.fromkeys(claim_ids))
    # Outside a transaction only: a SET inside one would outlive a rollback's intent.
    quick = bool(ids) and connection.vendor == "postgresql" and not connection.in_atomic_block
    if quick:
        _session_commits(wait=False)
    try:
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            _batch.state = _batch_prepare(chunk)
            _batch.state.session_quick = quick
            try:
                for claim_id in chunk:
                    if claim_analyze(claim_id=claim_id) is not None:
                        done += 1
            finally:
                _batch.state = None
    finally:
        if quick:
            _session_commits(wait=True)
    return done


def _batch_prepare(claim_ids: list[int]) -> _BatchState:
    live = {
        pk: text
        for pk, text, status in Claim.objects.filter(pk__in=claim_ids).values_list(
            "pk", "text", "status"
        )
        if status != ClaimStatus.MERGED
    }
    features = {pk: _features_of(pk, text) for pk, text in live.items()}
    fields = ("term", "count", "doc_len", "surface", "complete")
    wanted = {pk: _postings(pk, f) for pk, f in features.items()}
    stored: dict[int, set[tuple[object, ...]]] = {}
    for row in ClaimTerm.objects.filter(claim_id__in=list(live)).values_list("claim_id", *fields):
        stored.setdefault(row[0], set()).add(row[1:])
    # Only claims whose postings differ are rewritten, as ``_index`` does one by one.
    changed = [
        pk
        for pk, rows in wanted.items()
        if stored.get(pk, set()) != {tuple(getattr(r, f) for f in fields) for r in rows}
    ]
    if changed:
        with transaction.atomic():
            _commit_without_waiting()
            ClaimTerm.objects.filter(claim_id__in=changed).delete()
            ClaimTerm.objects.bulk_create(
                [row for pk in changed for row in wanted[pk]], batch_size=5000
            )
    terms = list(dict.fromkeys(t[:TERM_LENGTH] for f in features.values() for t in f.terms))
    freqs = _doc_freqs(terms, _corpus_stats()) if terms else {}
    flagged: set[int] = set()
    for a, b in Flag.objects.filter(
        Q(claim_a_id__in=list(live)) | Q(claim_b_id__in=list(live))
    ).values_list("claim_a_id", "claim_b_id"):
        flagged.update((a, b))
    return _BatchState(
        indexed={(pk, live[pk]) for pk in live}, freqs=freqs, flagged=flagged & set(live)
    )


# No savepoint: callers already run it in a transaction, and a failure here fails that one.
@transaction.atomic(savepoint=False)
def _store_flags(claim_id: int, found: dict[tuple[int, int, str], dict[str, object]]) -> list[Flag]:
    # The caller marks the claim analysed in the same transaction (see _commit_without_waiting).
    _commit_without_waiting()
    state = _batch_state()
    if state is not None:
        if not found and claim_id not in state.flagged:
            return []  # no flag to keep, none to withdraw
        state.flagged.update(n for key in found for n in key[:2])
    existing = {
        (f.claim_a_id, f.claim_b_id, f.kind): f
        for f in Flag.objects.select_for_update().filter(
            Q(claim_a_id=claim_id) | Q(claim_b_id=claim_id)
        )
    }
    # Open flags this analysis no longer supports (the text changed) are withdrawn; decided
    # ones stay as the record of an editor's decision.
    stale = [
        f.pk for key, f in existing.items() if key not in found and f.status == FlagStatus.OPEN
    ]
    Flag.objects.filter(pk__in=stale).delete()
    kept: list[Flag] = []
    new = [
        Flag(claim_a_id=a, claim_b_id=b, kind=kind, engine_version=engine.ENGINE_VERSION, **values)
        for (a, b, kind), values in found.items()
        if (a, b, kind) not in existing
    ]
    inserted: set[tuple[int, int, str]] = set()
    if new:
        try:
            # One insert for all new pairs; if another worker flagged one of them meanwhile,
            # the pair-by-pair path below merges with its row instead.
            with transaction.atomic():
                Flag.objects.bulk_create(new)
                Flag.history.bulk_history_create(new)
        except IntegrityError:
            pass
        else:
            kept.extend(new)
            inserted = {(f.claim_a_id, f.claim_b_id, f.kind) for f in new}
    for (a, b, kind), values in found.items():
        if (a, b, kind) in inserted:
            continue
        flag = existing.get((a, b, kind))
        if flag is None:
            flag, created = Flag.objects.get_or_create(
                claim_a_id=a,
                claim_b_id=b,
                kind=kind,
                defaults={**values, "engine_version": engine.ENGINE_VERSION},
            )
            if created:
                kept.append(flag)
                continue
        elif flag.status == FlagStatus.DISMISSED and flag.text_key != values["text_key"]:
            # A dismissed pair comes back only when one of the texts changed.
            flag.status = FlagStatus.OPEN
            flag.resolved_by = None
            flag.resolved_at = None
            flag.resolution_note = ""
        elif _unchanged(flag, values):
            # Nothing to write (nor a history row to add) when re-analysis agrees.
            kept.append(flag)
            continue
        for name, value in values.items():
            setattr(flag, name, value)
        flag.engine_version = engine.ENGINE_VERSION
        flag.save()
        kept.append(flag)
    return kept


def _unchanged(flag: Flag, values: dict[str, object]) -> bool:
    # Compared as JSON would store them (tuples come back as lists).
    stored = {name: getattr(flag, name) for name in values}
    return flag.engine_version == engine.ENGINE_VERSION and json.dumps(
        stored, sort_keys=True, default=str
    ) == json.dumps(values, sort_keys=True, default=str)


def claims_needing_analysis(*, stale_after: timedelta) -> list[int]:
    """Claims left pending longer than ``stale_after`` (a lost or failed message), failed
    ones, and claims analysed by an older engine version."""
    cutoff = timezone.now() - stale_after
    return list(
        Claim.objects.exclude(status=ClaimStatus.MERGED)
        .filter(
            Q(analysis_state=AnalysisState.PENDING)
            & (Q(analysis_requested_at__lt=cutoff) | Q(analysis_requested_at__isnull=True))
            | Q(analysis_state=AnalysisState.FAILED)
            | (Q(analysis_state=AnalysisState.DONE) & ~Q(analysed_engine=engine.ENGINE_VERSION))
        )
        .values_list("pk", flat=True)[:5000]
    )


# Neighbours in meaning below this cosine are not worth classifying: all-MiniLM-L6-v2 puts
# different claims on the same topic (two export-control claims, say) around 0.3 to 0.6.
SEMANTIC_NEIGHBOUR_MIN = 0.55


def semantic_enabled() -> bool:
    """Whether analysis uses sentence embeddings (``MATCHING_SEMANTIC``, extra installed)."""
    mode = settings.MATCHING_SEMANTIC
    if mode == "off" or not semantic.available():
        return False
    return mode == "on" or not settings.CELERY_TASK_ALWAYS_EAGER


def _semantic_neighbours(claim: Claim) -> dict[int, float]:
    if not semantic_enabled():
        return {}
    embedding = claim_embed(claim=claim)
    if embedding is None:
        return {}
    return {
        claim_id: cosine
        for claim_id, cosine in semantic_candidates(
            vector=embedding_vector(embedding), exclude_id=claim.pk, k=CANDIDATES
        )
        if cosine >= SEMANTIC_NEIGHBOUR_MIN
    }


def pair_compare(
    a: engine.ClaimFeatures,
    b: engine.ClaimFeatures,
    *,
    similarity: float | None = None,
    thresholds: engine.Thresholds | None = None,
) -> tuple[engine.PairResult, str]:
    """Classify a pair as analysis does; the method says which tier decided it.

    "semantic" only when the embedding changed the label the words alone give, so editors'
    decisions (``matching_report``) show what each tier is worth.
    """
    lexical = engine.classify(a, b, thresholds=thresholds)
    if similarity is None:
        return lexical, "lexical"
    combined = engine.classify(a, b, similarity=similarity, thresholds=thresholds)
    return combined, "semantic" if combined.label != lexical.label else "lexical"


def pair_similarities(pairs: list[tuple[str, str]]) -> list[float]:
    """Embedding cosines of text pairs, batch-encoded (evaluation; worker-side only)."""
    texts = list(dict.fromkeys(text for pair in pairs for text in pair))
    vectors = dict(zip(texts, semantic.encode(texts), strict=True))
    return [semantic.cosine(vectors[a], vectors[b]) for a, b in pairs]


def claim_ranking(
    *, text: str, exclude_id: int | None, k: int, semantic_tier: bool
) -> list[tuple[int, float]]:
    """The pool ranked for a text, best first: BM25 over the index, fused with the nearest
    embeddings when ``semantic_tier`` (what ``evaluate_repeats`` measures)."""
    features = engine.analyze(text)
    lexical = claim_candidates(features=features, exclude_id=exclude_id, k=k)
    if not semantic_tier:
        return lexical
    vector = semantic.encode([text])[0]
    nearest = semantic_candidates(vector=vector, exclude_id=exclude_id, k=k)
    fused = semantic.fuse_rankings(lexical, nearest, k=k)
    return [(int(claim_id), score) for claim_id, score in fused]  # type: ignore[call-overload]
