"""The in-process index mirror: loaded from the database, kept in step by the change feed.

What another worker commits must be a candidate at this worker's next ranking, whatever the
order its transaction committed in, and what a rolled-back transaction wrote must not stay.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from claims import analysis, engine
from claims.analysis import claims_analyze, claims_index, claims_unindex, index, index_mirror
from claims.models import AnalysisState, Flag, FlagKind, IndexChange
from claims.tasks import sweep_analysis
from tests.claims.texts import ORIGINAL, REPEAT, UNRELATED
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_caches")]


def another_worker_indexes(monkeypatch, claim_ids):
    """Index claims the way another process would: this process's mirror is not told."""
    with monkeypatch.context() as m:
        m.setattr(index, "loaded_mirror", lambda: None)
        claims_index(claim_ids=claim_ids)


def ranked_ids(text, exclude=None):
    return {
        cid
        for cid, _ in analysis.claim_candidates(features=engine.analyze(text), exclude_id=exclude)
    }


@pytest.mark.django_db(transaction=True)
def test_a_claim_another_worker_committed_is_a_candidate_at_the_next_ranking(monkeypatch):
    pool = ClaimFactory(text=UNRELATED)
    claims_index(claim_ids=[pool.pk])
    assert index_mirror().n_docs == 1
    late = ClaimFactory(text=ORIGINAL)
    another_worker_indexes(monkeypatch, [late.pk])
    query = ClaimFactory(text=REPEAT, analysis_state=AnalysisState.PENDING)
    claims_analyze(claim_ids=[query.pk])
    assert Flag.objects.filter(claim_a=late, claim_b=query, kind=FlagKind.REPEAT).exists()
    assert index_mirror().n_docs == 3


@pytest.mark.django_db(transaction=True)
def test_a_claim_another_worker_took_out_of_the_index_leaves_the_mirror(monkeypatch):
    claim = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[claim.pk])
    assert claim.pk in ranked_ids(REPEAT)
    with monkeypatch.context() as m:
        m.setattr(index, "loaded_mirror", lambda: None)
        claims_unindex(claim_ids=[claim.pk])
    assert claim.pk not in ranked_ids(REPEAT)
    assert index_mirror().n_docs == 0


@pytest.mark.django_db(transaction=True)
def test_an_edit_by_another_worker_replaces_the_claims_terms(monkeypatch):
    claim = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[claim.pk])
    type(claim).objects.filter(pk=claim.pk).update(text=UNRELATED)
    another_worker_indexes(monkeypatch, [claim.pk])
    terms = index_mirror().postings([claim.pk])[claim.pk].terms
    assert set(terms) == set(engine.index_terms(engine.analyze(UNRELATED)))
    assert index_mirror().doc_freq("910c") == 0


def test_what_a_rolled_back_transaction_indexed_does_not_stay():
    kept = ClaimFactory(text=UNRELATED)
    claims_index(claim_ids=[kept.pk])

    with transaction.atomic():
        gone = ClaimFactory(text=ORIGINAL)
        claims_index(claim_ids=[gone.pk])
        assert gone.pk in ranked_ids(REPEAT)
        transaction.set_rollback(True)
    assert gone.pk not in ranked_ids(REPEAT)
    assert set(index_mirror().postings([kept.pk, gone.pk])) == {kept.pk}


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_a_later_one_is_still_replayed(monkeypatch):
    """PostgreSQL hands out change ids before commit: a transaction holding an older id can
    commit after a newer one has been replayed. Its change must not be skipped."""
    if connection.vendor != "postgresql":
        pytest.skip("commit order differs from id order only on PostgreSQL (SQLite has one writer)")
    early, late = ClaimFactory(text=UNRELATED), ClaimFactory(text=ORIGINAL)
    index_mirror()  # loaded before both
    # Both writers stand for other workers: this mirror learns of them from the feed only.
    monkeypatch.setattr(index, "loaded_mirror", lambda: None)
    written, release, failed = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                # Takes its change id (and transaction id) first, commits last.
                claims_index(claim_ids=[late.pk])
                written.set()
                release.wait(10)
        except Exception as exc:  # reported below
            failed.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(10)
    # A quick writer (this connection) commits in the meantime, and the mirror replays it.
    claims_index(claim_ids=[early.pk])
    assert early.pk in ranked_ids(UNRELATED)
    assert late.pk not in ranked_ids(REPEAT)  # not committed yet
    release.set()
    thread.join(10)
    assert not failed
    assert late.pk in ranked_ids(REPEAT)


@pytest.mark.django_db(transaction=True)
def test_a_mirror_that_fell_behind_the_feed_loads_the_index_again(monkeypatch, settings):
    claim = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[claim.pk])
    mirror = index_mirror()
    late = ClaimFactory(text=REPEAT)
    another_worker_indexes(monkeypatch, [late.pk])
    # The feed rows it would replay are gone (pruned), and it has not replayed for long.
    IndexChange.objects.all().delete()
    mirror._replayed_at = time.monotonic() - settings.ANALYSIS_INDEX_FEED_HOURS * 3600
    assert late.pk in ranked_ids(ORIGINAL)


def test_the_sweep_prunes_the_feed_after_its_span(settings):
    settings.ANALYSIS_INDEX_FEED_HOURS = 2
    claim = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[claim.pk])
    fresh = IndexChange.objects.get(claim_id=claim.pk)
    old = IndexChange.objects.create(claim_id=claim.pk)
    IndexChange.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=3))
    sweep_analysis()
    assert list(IndexChange.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_loaded_mirror_equals_one_kept_in_step_claim_by_claim():
    texts = [ORIGINAL, REPEAT, UNRELATED, "Nvidia's H20 sales to China fell 40% in 2025."]
    claims = [ClaimFactory(text=text) for text in texts]
    index_mirror()  # empty, then told of each claim as it is indexed
    for claim in claims:
        claims_index(claim_ids=[claim.pk])
    stepped = index_mirror()
    ids = [c.pk for c in claims]
    expected = (stepped.postings(ids), [stepped.doc_freq(t) for t in ("910c", "h100", "china")])
    ranked = ranked_ids(REPEAT)
    analysis.analysis_caches_clear()
    loaded = index_mirror()
    assert loaded is not stepped
    assert (
        loaded.postings(ids),
        [loaded.doc_freq(t) for t in ("910c", "h100", "china")],
    ) == expected
    assert (loaded.n_docs, loaded.avg_len) == (stepped.n_docs, stepped.avg_len)
    assert ranked_ids(REPEAT) == ranked


@pytest.mark.django_db(transaction=True)
def test_a_deleted_claim_found_gone_leaves_the_mirror():
    claim = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[claim.pk])
    assert claim.pk in ranked_ids(REPEAT)
    # Its postings go with it (a cascade), without a change row; nor is there an older one
    # left to replay (the feed pruned).
    IndexChange.objects.all().delete()
    type(claim).objects.filter(pk=claim.pk).delete()
    assert claim.pk in index_mirror().postings([claim.pk])
    query = ClaimFactory(text=REPEAT, analysis_state=AnalysisState.PENDING)
    analysis.claim_analyze(claim_id=query.pk)
    assert claim.pk not in index_mirror().postings([claim.pk])
    assert not Flag.objects.exists()


def test_the_mirrors_exact_order_is_engine_rank_to_the_last_bit():
    texts = [
        ORIGINAL,
        REPEAT,
        UNRELATED,
        "Nvidia's H20 sales to China fell 40% in 2025.",
        "Huawei plans to ship the Ascend 910C to Chinese customers in 2025.",
        "Nvidia H100 inference performance is the benchmark for Chinese chips: H100, H100.",
        "The H100 and the H20 are Nvidia chips.",
    ]
    claims = [ClaimFactory(text=text) for text in texts]
    claims_index(claim_ids=[c.pk for c in claims])
    mirror = index_mirror()
    shortlist = [c.pk for c in reversed(claims)]
    postings = mirror.postings(shortlist)
    stats = analysis.stats.DatabaseStats(
        n_docs=mirror.n_docs,
        avg_len=mirror.avg_len,
        freqs={t: mirror.doc_freq(t) for p in postings.values() for t in p.terms},
    )
    for query in (REPEAT, "Nvidia H100 and H20 chips", "Qwen3 was released in April"):
        features = engine.analyze(query)
        expected = engine.rank(
            features, ((cid, postings[cid].terms) for cid in shortlist), stats, k=5
        )
        weights = engine.retrieval.query_weights(features, stats)
        got = mirror.rerank(shortlist, weights, avg_len=stats.avg_len, k=5)
        assert got == [(int(cid), score) for cid, score in expected]  # exact floats
    assert mirror.rerank([], {"h100": 1.0}, avg_len=1.0, k=5) == []


def test_edits_and_removals_after_a_load_leave_what_a_fresh_load_gives():
    texts = [ORIGINAL, REPEAT, UNRELATED, "Nvidia's H20 sales to China fell 40% in 2025."]
    claims = [ClaimFactory(text=text) for text in texts]
    ids = [c.pk for c in claims]
    claims_index(claim_ids=ids)
    analysis.analysis_caches_clear()
    mirror = index_mirror()  # every claim in the loaded arrays
    edited, removed = claims[0], claims[3]
    type(edited).objects.filter(pk=edited.pk).update(text="Huawei's Ascend 910D rivals the H20.")
    claims_index(claim_ids=[edited.pk])
    claims_unindex(claim_ids=[removed.pk])

    def state(m):
        terms = ("910c", "910d", "h100", "h20", "china")
        return (
            m.postings(ids),
            m.n_docs,
            m.avg_len,
            [m.doc_freq(t) for t in terms],
            m.rerank(ids, dict.fromkeys(terms, 1.0), avg_len=m.avg_len, k=4),
        )

    kept_in_step = state(mirror)
    assert removed.pk not in kept_in_step[0]
    assert "910d" in kept_in_step[0][edited.pk].terms
    analysis.analysis_caches_clear()
    assert state(index_mirror()) == kept_in_step
