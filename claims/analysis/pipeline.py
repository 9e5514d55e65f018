"""Analysing claims: index them, rank the index, classify the best pairs, store the flags.

One code path for one claim (the Celery task) and for a backlog (the batch task, a
re-analysis after an engine change): a single claim is a batch of one. Per batch, whatever
the size: one read of the claims (with the partners their flags name), one index write, one replay of the index feed (ranking
itself runs in memory), one read of the survivors' texts, ratings and stored analyses, and
one statement (or, when a flag already mentions a claim, one transaction) for flags, stored
analyses and the analysed mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from claimdesk.celery import in_worker
from claims import engine
from claims.engine import semantic
from claims.models import (
    AnalysisState,
    Claim,
    ClaimAnalysis,
    ClaimEmbedding,
    ClaimStatus,
    Flag,
    FlagKind,
)
from claims.semantic_index import (
    claim_embed,
    embedding_text_hash,
    embedding_vector,
    semantic_candidates,
)

# The one arrow from claims up to reviews: opposite published verdicts are conflicts, and the
# candidates' ratings come in the same single query as their texts (see published_rating_sql).
from reviews.selectors import published_rating_sql

from .flags import Found, Pair, flags_store
from .index import claims_unindex, index_write, postings_of
from .mirror import loaded_mirror
from .retrieval import CANDIDATES, claim_candidates, flaggable, rank_many
from .sql import any_of, fetch
from .stats import (
    StoredColumns,
    StoredRow,
    features_known,
    features_of,
    stored_features,
    stored_row,
    text_key,
)
from .timing import stage

# Neighbours in meaning below this cosine are not worth classifying: all-MiniLM-L6-v2 puts
# different claims on the same topic (two export-control claims, say) around 0.3 to 0.6.
SEMANTIC_NEIGHBOUR_MIN = 0.55
BATCH_SIZE = 500


# Written out rather than built by the ORM: run for every analysis, they are prepared once
# per connection (``sql.fetch``). Only table names are formatted in.
# The claims, and (rows without a text) the partners any flag already pairs them with: those
# pairs are classified again with the claim's analysis whatever the ranking says, so a flag
# found from the partner's side is never withdrawn for want of being looked at.
# Each claim comes with its stored analysis, so a text analysed before costs no query more.
_READ_SQL = """
    SELECT c.id, c.text, c.status, NULL, a.text_key, a.engine_version, a.data
    FROM {claim} c LEFT JOIN {stored} a ON a.claim_id = c.id WHERE {where}
    UNION ALL SELECT claim_a_id, NULL, NULL, claim_b_id, NULL, NULL, NULL
    FROM {flag} WHERE {where_a}
    UNION ALL SELECT claim_b_id, NULL, NULL, claim_a_id, NULL, NULL, NULL
    FROM {flag} WHERE {where_b}
"""
# The candidates' texts and states, each one's published rating and stored analysis.
_CANDIDATES_SQL = """
    SELECT c.id, c.text, c.status, {rating}, a.text_key, a.engine_version, a.data
    FROM {claim} c LEFT JOIN {stored} a ON a.claim_id = c.id WHERE {where}
"""


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def thresholds() -> engine.Thresholds:
    return replace(engine.Thresholds(), **settings.MATCHING_THRESHOLDS)


def claim_request_analysis(*, claim: Claim) -> None:
    """Mark a claim pending and enqueue its analysis once the transaction commits.

    The pending state is the durable record: when the broker is down the save still succeeds
    (the publish gives up within the broker timeouts and logs a warning) and the periodic
    sweep enqueues the claim later.
    """
    from claims.enqueue import analysis_enqueue

    Claim.objects.filter(pk=claim.pk).update(
        analysis_state=AnalysisState.PENDING, analysis_requested_at=timezone.now()
    )
    claim.analysis_state = AnalysisState.PENDING
    claim_id = claim.pk
    transaction.on_commit(lambda: analysis_enqueue(claim_id))


def claim_analyze(*, claim_id: int) -> list[Flag] | None:
    """Index the claim, compare it with its best candidates and bring its flags up to date.

    Idempotent: running it again (or in two workers at once) leaves the same flags, because a
    pair and kind is one row (a unique constraint) and rows are upserted, never appended.
    Returns the claim's flags, or None when the claim is gone or merged.
    """
    return _analyze_batch([claim_id], read_back=True).get(claim_id)


def claims_analyze(*, claim_ids: Iterable[int], batch_size: int = BATCH_SIZE) -> int:
    """Analyse a backlog of claims; returns how many were analysed (gone and merged ones
    are not). The flags are those analysing them one at a time would leave, in any order."""
    ids = list(dict.fromkeys(claim_ids))
    done = 0
    # Outside a transaction only: a SET inside one would outlive a rollback's intent.
    quick = bool(ids) and connection.vendor == "postgresql" and not connection.in_atomic_block
    if quick:
        _session_commits(wait=False)
    try:
        for start in range(0, len(ids), batch_size):
            done += len(_analyze_batch(ids[start : start + batch_size], read_back=False))
    finally:
        if quick:
            _session_commits(wait=True)
    return done


def _session_commits(*, wait: bool) -> None:
    # For a whole backlog at once (see index.commit_without_waiting); RESET restores the
    # server's setting for whatever the connection runs next.
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit" if wait else "SET synchronous_commit TO OFF")


@dataclass(frozen=True)
class _Batch:
    """What one read brings for a batch of claims."""

    # (id, text, status) of each claim found.
    claims: list[tuple[int, str, str]]
    # Per claim, the partners its flags pair it with.
    partners: dict[int, set[int]]
    # Per claim, its ``ClaimAnalysis`` columns (Nones when it has none).
    stored: dict[int, StoredColumns]


def _read(ids: list[int]) -> _Batch:
    """The claims, their stored analyses and their flags' partners, in one statement."""
    where, params = any_of("c.id", ids)
    where_a, params_a = any_of("claim_a_id", ids)
    where_b, params_b = any_of("claim_b_id", ids)
    sql = _READ_SQL.format(
        claim=_table(Claim),
        stored=_table(ClaimAnalysis),
        flag=_table(Flag),
        where=where,
        where_a=where_a,
        where_b=where_b,
    )
    batch = _Batch(claims=[], partners={}, stored={})
    for pk, text, status, partner, key, version, data in fetch(
        sql, [*params, *params_a, *params_b]
    ):
        if partner is None:
            batch.claims.append((pk, text, status))
            batch.stored[pk] = (key, version, data)
        else:
            batch.partners.setdefault(pk, set()).add(partner)
    return batch


def _analyze_batch(ids: list[int], *, read_back: bool) -> dict[int, list[Flag]]:
    with stage("read"):
        batch = _read(ids)
        rows, partners = batch.claims, batch.partners
        merged = [pk for pk, _, status in rows if status == ClaimStatus.MERGED]
        if merged:
            claims_unindex(claim_ids=merged)
            Claim.objects.filter(pk__in=merged).update(analysis_state=AnalysisState.DONE)
    texts = {pk: text for pk, text, status in rows if status != ClaimStatus.MERGED}
    if not texts:
        return {}
    order = [pk for pk in dict.fromkeys(ids) if pk in texts]
    with stage("text"):
        features = features_known({pk: texts[pk] for pk in order}, stored=batch.stored)
    with stage("index"):
        index_write({pk: postings_of(f) for pk, f in features.items()})
    limits = thresholds()
    # Ranking replays the index feed only now, after this batch's postings have committed:
    # of two claims analysed at the same moment, the later replay sees the other claim. (A
    # replay in the same statement as the write would read a snapshot older than both.)
    ranked = rank_many(((pk, features[pk], pk) for pk in order), k=CANDIDATES)
    # Candidates that cannot reach a flag are neither fetched nor analysed: most of the time
    # the best-ranked claims merely share a few words with the analysed one.
    with stage("precheck"):
        candidates = flaggable({pk: features[pk] for pk in order}, ranked, limits)
    # The semantic tier adds neighbours in meaning that share too few words to be ranked.
    with stage("semantic"):
        vectors: dict[int, Any] = {}
        neighbours = {pk: _semantic_neighbours(pk, texts[pk], vectors) for pk in order}
    for pk in order:
        listed = set(candidates[pk])
        extra = [*neighbours[pk], *sorted(partners.get(pk, ()))]
        candidates[pk] += [cid for cid in dict.fromkeys(extra) if cid not in listed]
    involved = {cid for cids in candidates.values() for cid in cids}
    # The candidates' texts and every published rating involved, in one query.
    others: dict[int, str] = {}
    ratings: dict[int, str] = {}
    known: dict[int, engine.ClaimFeatures] = dict(features)
    refreshed: list[StoredRow] = []
    retired: set[int] = set()
    with stage("candidates"):
        if involved:
            where, params = any_of("c.id", sorted(involved | set(order)))
            rating_sql, rating_params = published_rating_sql("c.id")
            sql = _CANDIDATES_SQL.format(
                claim=_table(Claim), rating=rating_sql, stored=_table(ClaimAnalysis), where=where
            )
            for pk, text, status, rating, key, version, data in fetch(
                sql, [*rating_params, *params]
            ):
                if status == ClaimStatus.MERGED and pk not in texts:
                    # Only a flag still names it: its open flags go (its canonical claim
                    # stands for it), as when it was merged.
                    retired.add(pk)
                    continue
                others[pk] = text
                if rating:
                    ratings[pk] = rating
                if pk not in known:
                    found_features = stored_features(text, key, version, data)
                    if found_features is None:
                        # Not stored yet (indexed before analyses were kept, or the text
                        # changed since): analysed now and stored with this batch's.
                        found_features = features_of(pk, text)
                        refreshed.append(stored_row(pk, text, found_features))
                    known[pk] = found_features
    gone = involved - set(others) - retired
    if gone and (mirror := loaded_mirror()) is not None:
        mirror.forget(gone)
    others.update(texts)
    with stage("semantic"):
        cosines = _pair_cosines(order, candidates, others, vectors)
    found: Found = {}
    classified: set[Pair] = set()
    with stage("classify"):
        for pk in order:
            for other_id in candidates[pk]:
                pair = (min(pk, other_id), max(pk, other_id))
                if other_id in retired:
                    classified.add(pair)
                elif pair not in classified and other_id in others:
                    # Each pair once, the same whichever of its claims brought it up: a
                    # function of the two texts (and ratings), never of the order.
                    classified.add(pair)
                    found.update(
                        _pair_findings(pair, others, known, cosines.get(pair), ratings, limits)
                    )
    analyses = [stored_row(pk, texts[pk], features[pk]) for pk in order] + refreshed
    with stage("flags"):
        return flags_store(
            order=order,
            found=found,
            classified=classified,
            analyses=analyses,
            read_back=read_back,
        )


def _pair_findings(
    pair: Pair,
    texts: dict[int, str],
    known: dict[int, engine.ClaimFeatures],
    similarity: float | None,
    ratings: dict[int, str],
    limits: engine.Thresholds,
) -> Found:
    found: Found = {}
    first_id, second_id = pair
    first = known.get(first_id) or features_of(first_id, texts[first_id])
    second = known.get(second_id) or features_of(second_id, texts[second_id])
    # Compared in the pair's stored order (older claim first), so the reasons read the same
    # whichever of the two claims was analysed last.
    result, method = pair_compare(first, second, similarity=similarity, thresholds=limits)
    key_text = text_key(texts[first_id], texts[second_id])
    if result.label in (FlagKind.REPEAT, FlagKind.CONFLICT):
        found[(*pair, result.label)] = {
            "score": round(result.score, 4),
            "method": method,
            "reasons": list(result.reasons),
            "details": result.details,
            "text_key": key_text,
        }
    older, newer = ratings.get(first_id), ratings.get(second_id)
    if result.label == FlagKind.REPEAT and older and newer and older != newer:
        found[(*pair, FlagKind.CONFLICT)] = {
            "score": round(result.score, 4),
            "method": "verdict",
            "reasons": [
                *result.reasons,
                f"The claims repeat each other but their published ratings differ: "
                f"{older} vs {newer}.",
            ],
            "details": result.details,
            "text_key": key_text,
        }
    return found


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


def semantic_enabled() -> bool:
    """Whether analysis uses sentence embeddings (``MATCHING_SEMANTIC``, extra installed).

    ``auto`` means on in a Celery worker process, so the model never loads in a web process.
    """
    mode = settings.MATCHING_SEMANTIC
    if mode == "off" or not semantic.available():
        return False
    return mode == "on" or in_worker()


def _semantic_neighbours(claim_id: int, text: str, vectors: dict[int, Any]) -> list[int]:
    """The claim's neighbours in meaning (candidates only: how a pair is decided never
    depends on which side found it); its vector is kept in ``vectors``."""
    if not semantic_enabled():
        return []
    embedding = claim_embed(claim=Claim(pk=claim_id, text=text))
    if embedding is None:
        return []
    vectors[claim_id] = embedding_vector(embedding)
    return [
        other_id
        for other_id, cosine in semantic_candidates(
            vector=vectors[claim_id], exclude_id=claim_id, k=CANDIDATES
        )
        if cosine >= SEMANTIC_NEIGHBOUR_MIN
    ]


def _pair_cosines(
    order: list[int],
    candidates: dict[int, list[int]],
    texts: dict[int, str],
    vectors: dict[int, Any],
) -> dict[Pair, float]:
    """Every candidate pair's embedding cosine, when both claims have a current vector and
    it reaches ``SEMANTIC_NEIGHBOUR_MIN``.

    Computed from the pair's two vectors, not read off one side's neighbour list: a pair
    is then given the same similarity whichever of its claims is analysed, and so the same
    decision (with neighbour lists, the side whose list held the other got the cosine and
    the other side none).
    """
    if not vectors:
        return {}
    wanted = {cid for pk in order for cid in candidates[pk] if cid not in vectors}
    stored = ClaimEmbedding.objects.filter(
        claim_id__in=sorted(wanted), model_name=semantic.MODEL_NAME
    ).only("claim_id", "text_hash", "dimensions", "vector")
    for embedding in stored:
        text = texts.get(embedding.claim_id)
        # A vector of an older text is not this claim's any more.
        if text is not None and embedding.text_hash == embedding_text_hash(text):
            vectors[embedding.claim_id] = embedding_vector(embedding)
    cosines: dict[Pair, float] = {}
    for pk in order:
        for cid in candidates[pk]:
            a, b = min(pk, cid), max(pk, cid)
            if a in vectors and b in vectors:
                cosine = semantic.cosine(vectors[a], vectors[b])
                if cosine >= SEMANTIC_NEIGHBOUR_MIN:
                    cosines[(a, b)] = cosine
    return cosines


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
    *,
    text: str,
    exclude_id: int | None,
    k: int,
    semantic_tier: bool,
    typo_tolerant: bool = True,
) -> list[tuple[int, float]]:
    """The pool ranked for a text, best first: BM25 over the index, fused with the nearest
    embeddings when ``semantic_tier`` (what ``evaluate_repeats`` measures)."""
    features = engine.analyze(text)
    lexical = claim_candidates(
        features=features, exclude_id=exclude_id, k=k, typo_tolerant=typo_tolerant
    )
    if not semantic_tier:
        return lexical
    vector = semantic.encode([text])[0]
    nearest = semantic_candidates(vector=vector, exclude_id=exclude_id, k=k)
    fused = semantic.fuse_rankings(lexical, nearest, k=k)
    return [(int(claim_id), score) for claim_id, score in fused]  # type: ignore[call-overload]
