"""Analysing a claim against every claim in the database, and keeping its flags current.

The matching engine (``claims.engine``) is pure Python; this module is its database side: the
inverted index in ``ClaimTerm``, corpus statistics read from it, and the ``Flag`` rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from claims import engine
from claims.models import AnalysisState, Claim, ClaimStatus, ClaimTerm, Flag, FlagKind, FlagStatus
from reviews.models import Verdict, VerdictState

# How many candidates from the index are classified pair by pair.
CANDIDATES = 30
# Query terms found in more than this share of claims carry almost no signal and would pull
# in a large part of the table, so candidate retrieval skips them (ranking still uses them).
COMMON_TERM_SHARE = 0.05


@dataclass(frozen=True)
class DatabaseStats:
    """Corpus statistics for BM25, read from the index for one query's terms."""

    n_docs: int
    avg_len: float
    freqs: dict[str, int]

    def doc_freq(self, term: str) -> int:
        return self.freqs.get(term, 0)


def text_key(*texts: str) -> str:
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()


def thresholds() -> engine.Thresholds:
    return replace(engine.Thresholds(), **settings.MATCHING_THRESHOLDS)


def _live_claims() -> Q:
    return ~Q(claim__status=ClaimStatus.MERGED)


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


def _index(claim: Claim, features: engine.ClaimFeatures) -> list[str]:
    terms = [t[:64] for t in engine.index_terms(features)]
    ClaimTerm.objects.filter(claim=claim).delete()
    ClaimTerm.objects.bulk_create([ClaimTerm(claim=claim, term=t) for t in dict.fromkeys(terms)])
    return terms


def _candidates(claim: Claim, features: engine.ClaimFeatures) -> list[tuple[int, float]]:
    query_terms = list(dict.fromkeys(features.terms))
    if not query_terms:
        return []
    n_docs = Claim.objects.exclude(status=ClaimStatus.MERGED).count()
    total_terms = ClaimTerm.objects.filter(_live_claims()).count()
    freqs = dict(
        ClaimTerm.objects.filter(_live_claims(), term__in=query_terms)
        .values_list("term")
        .annotate(n=Count("id"))
        .values_list("term", "n")
    )
    stats = DatabaseStats(n_docs=n_docs, avg_len=total_terms / max(n_docs, 1), freqs=freqs)
    limit = max(50, int(n_docs * COMMON_TERM_SHARE))
    selective = [t for t in query_terms if 0 < freqs.get(t, 0) <= limit] or query_terms
    # Claims sharing the most selective terms, then their full term lists for BM25.
    ids = list(
        ClaimTerm.objects.filter(_live_claims(), term__in=selective)
        .exclude(claim_id=claim.pk)
        .values("claim_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "-claim_id")
        .values_list("claim_id", flat=True)[: CANDIDATES * 4]
    )
    postings: dict[int, list[str]] = {}
    for claim_id, term in ClaimTerm.objects.filter(claim_id__in=ids).values_list(
        "claim_id", "term"
    ):
        postings.setdefault(claim_id, []).append(term)
    ranked = engine.rank(features, postings.items(), stats, k=CANDIDATES)
    return [(int(claim_id), score) for claim_id, score in ranked]  # type: ignore[call-overload]


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
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        return None
    if claim.status == ClaimStatus.MERGED:
        Claim.objects.filter(pk=claim_id).update(analysis_state=AnalysisState.DONE)
        return None
    features = engine.analyze(claim.text)
    with transaction.atomic():
        _index(claim, features)
    candidates = _candidates(claim, features)
    others = Claim.objects.in_bulk([cid for cid, _ in candidates])
    ratings = _published_ratings([claim.pk, *others])
    limits = thresholds()
    found: dict[tuple[int, int, str], dict[str, object]] = {}
    for other_id, _score in candidates:
        other = others.get(other_id)
        if other is None:
            continue
        result = engine.classify(features, engine.analyze(other.text), thresholds=limits)
        pair = (min(claim.pk, other_id), max(claim.pk, other_id))
        key_text = text_key(*(c.text for c in sorted((claim, other), key=lambda c: c.pk)))
        if result.label in (FlagKind.REPEAT, FlagKind.CONFLICT):
            found[(*pair, result.label)] = {
                "score": round(result.score, 4),
                "method": "lexical",
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
    flags = _store_flags(claim.pk, found)
    Claim.objects.filter(pk=claim.pk).update(
        analysis_state=AnalysisState.DONE,
        analysed_at=timezone.now(),
        analysed_engine=engine.ENGINE_VERSION,
    )
    return flags


@transaction.atomic
def _store_flags(claim_id: int, found: dict[tuple[int, int, str], dict[str, object]]) -> list[Flag]:
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
    for (a, b, kind), values in found.items():
        flag = existing.get((a, b, kind))
        if flag is None:
            flag, _ = Flag.objects.get_or_create(
                claim_a_id=a,
                claim_b_id=b,
                kind=kind,
                defaults={**values, "engine_version": engine.ENGINE_VERSION},
            )
        elif flag.status == FlagStatus.DISMISSED and flag.text_key != values["text_key"]:
            # A dismissed pair comes back only when one of the texts changed.
            flag.status = FlagStatus.OPEN
            flag.resolved_by = None
            flag.resolved_at = None
            flag.resolution_note = ""
        for name, value in values.items():
            setattr(flag, name, value)
        flag.engine_version = engine.ENGINE_VERSION
        flag.save()
        kept.append(flag)
    return kept


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
