"""The database index behind analysis: what postings hold, who is in it, and ranking."""

from __future__ import annotations

import pytest
from django.db import connection

from claims import analysis, engine
from claims.analysis import (
    claim_analyze,
    claim_candidates,
    claims_analyze,
    claims_index,
    index,
)
from claims.models import AnalysisState, Claim, ClaimStatus, ClaimTerm, Flag, FlagKind
from claims.services import claim_merge
from claims.tasks import analyze_claims
from tests.claims.texts import CONFLICT, ORIGINAL, OTHER_CHIP, REPEAT, UNRELATED
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_caches")]


def postings(claim):
    return {t.term: t for t in ClaimTerm.objects.filter(claim=claim)}


def test_postings_store_term_counts_and_claim_length():
    claim = ClaimFactory(
        text="Solar output doubled: solar panels and solar farms doubled in Chile."
    )
    claim_analyze(claim_id=claim.pk)
    rows = postings(claim)
    expected = engine.index_term_counts(engine.analyze(claim.text))
    assert {term: row.count for term, row in rows.items()} == expected
    assert max(row.count for row in rows.values()) > 1
    assert {row.doc_len for row in rows.values()} == {sum(expected.values())}
    assert all(row.complete for row in rows.values())
    assert any(row.surface == "chile" for row in rows.values())


def test_merged_claim_leaves_the_index_and_is_no_longer_a_candidate(editor):
    canonical = ClaimFactory(text=ORIGINAL)
    duplicate = ClaimFactory(text=ORIGINAL + " Again.")
    claims_index(claim_ids=[canonical.pk, duplicate.pk])
    assert ClaimTerm.objects.filter(claim=duplicate).exists()
    claim_merge(actor=editor, duplicate=duplicate, canonical=canonical)
    assert not ClaimTerm.objects.filter(claim=duplicate).exists()
    found = claim_candidates(features=engine.analyze(REPEAT), exclude_id=None, k=10)
    assert [cid for cid, _ in found] == [canonical.pk]


def test_analysing_a_merged_claim_drops_its_postings():
    canonical = ClaimFactory(text=ORIGINAL)
    merged = ClaimFactory(text=REPEAT)
    claims_index(claim_ids=[merged.pk])
    Claim.objects.filter(pk=merged.pk).update(status=ClaimStatus.MERGED, canonical=canonical)
    assert claim_analyze(claim_id=merged.pk) is None
    assert not ClaimTerm.objects.filter(claim=merged).exists()


def test_candidates_rank_a_query_that_is_not_a_claim():
    repeat, unrelated = ClaimFactory(text=REPEAT), ClaimFactory(text=UNRELATED)
    other = ClaimFactory(text=OTHER_CHIP)
    claims_index(claim_ids=[repeat.pk, unrelated.pk, other.pk])
    found = claim_candidates(features=engine.analyze(ORIGINAL), exclude_id=None, k=5)
    ids = [cid for cid, _ in found]
    assert ids[0] == repeat.pk
    assert unrelated.pk not in ids
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)
    excluded = claim_candidates(features=engine.analyze(ORIGINAL), exclude_id=repeat.pk, k=5)
    assert repeat.pk not in [cid for cid, _ in excluded]


def test_copies_of_one_claim_rank_the_first_recorded_first_as_the_engine_does():
    """Identical texts score alike; the original (recorded first) leads, also when the
    copies outnumber the shortlist, and the order is ``engine.rank``'s on the same pool."""
    copies = [ClaimFactory(text=ORIGINAL) for _ in range(7)]
    decoys = [ClaimFactory(text=OTHER_CHIP), ClaimFactory(text=UNRELATED)]
    pool = copies + decoys
    claims_index(claim_ids=[c.pk for c in pool])
    query = engine.analyze(REPEAT)
    found = [cid for cid, _ in claim_candidates(features=query, exclude_id=None, k=3)]
    assert found == [c.pk for c in copies[:3]]

    memory = engine.InMemoryIndex()
    for claim in pool:
        memory.add(claim.pk, engine.analyze(claim.text))
    assert [cid for cid, _ in memory.search(query, k=3)] == found


def test_a_claim_indexed_after_statistics_were_cached_is_still_found():
    pool = [ClaimFactory() for _ in range(5)]
    claims_index(claim_ids=[c.pk for c in pool])
    # Warm every cache with a query, then index a claim whose words the index never saw.
    claim_candidates(features=engine.analyze(ORIGINAL), exclude_id=None, k=5)
    newcomer = ClaimFactory(text="Zorvathian regulators fined Quillmark 40 million euros.")
    claim_analyze(claim_id=newcomer.pk)
    query = engine.analyze("Quillmark was fined 40 million euros by Zorvathian regulators.")
    found = claim_candidates(features=query, exclude_id=None, k=5)
    assert found and found[0][0] == newcomer.pk


def test_bulk_index_replaces_old_postings():
    claim = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[claim.pk])
    Claim.objects.filter(pk=claim.pk).update(text=UNRELATED)
    written = claims_index(claim_ids=[claim.pk])
    assert written == len(engine.index_terms(engine.analyze(UNRELATED)))
    assert set(postings(claim)) == set(engine.index_terms(engine.analyze(UNRELATED)))


def test_batch_task_analyses_a_backlog_and_skips_gone_claims():
    claims = [
        ClaimFactory(text=t, analysis_state=AnalysisState.PENDING)
        for t in (ORIGINAL, REPEAT, CONFLICT)
    ]
    assert analyze_claims([c.pk for c in claims] + [10**9]) == 3
    assert set(Claim.objects.values_list("analysis_state", flat=True)) == {AnalysisState.DONE}
    kinds = set(Flag.objects.values_list("kind", flat=True))
    assert kinds == {FlagKind.REPEAT, FlagKind.CONFLICT}
    assert claims_analyze(claim_ids=[]) == 0


def test_reanalysis_writes_no_new_flag_history():
    a, b = ClaimFactory(text=ORIGINAL), ClaimFactory(text=REPEAT)
    claims_analyze(claim_ids=[a.pk, b.pk])
    flag = Flag.objects.get()
    versions = flag.history.count()
    claim_analyze(claim_id=b.pk)
    claim_analyze(claim_id=b.pk)
    assert flag.history.count() == versions


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (ORIGINAL, REPEAT),
        (ORIGINAL, CONFLICT),
        (ORIGINAL, OTHER_CHIP),
        (ORIGINAL, UNRELATED),
        (REPEAT, CONFLICT),
        ("Unemployment was 4% in 2023.", "Unemployment was 6% in 2021."),
        ("The senator signed the climate bill.", "The senator did not sign the climate bill."),
        ("Exports rose 5% in March.", "Exports fell 5% in March."),
    ],
)
def test_pre_check_on_postings_never_drops_a_pair_the_classifier_flags(first, second):
    other = ClaimFactory(text=second)
    claims_index(claim_ids=[other.pk])
    features = engine.analyze(first)
    ranked = analysis.claim_candidates(features=features, exclude_id=None, k=5)
    found = analysis.postings_for(cid for cid, _ in ranked)
    label = engine.classify(
        features, engine.analyze(second), thresholds=analysis.thresholds()
    ).label
    if label in (FlagKind.REPEAT, FlagKind.CONFLICT):
        assert analysis.could_flag(features, found[other.pk], analysis.thresholds())


def flag_rows():
    return set(
        Flag.objects.values_list("claim_a_id", "claim_b_id", "kind", "status", "method", "score")
    )


def test_batch_path_leaves_the_same_flags_as_one_claim_at_a_time():
    texts = (ORIGINAL, REPEAT, CONFLICT, OTHER_CHIP, UNRELATED)
    claims = [ClaimFactory(text=t, analysis_state=AnalysisState.PENDING) for t in texts]
    for claim in claims:
        claim_analyze(claim_id=claim.pk)
    one_by_one = flag_rows()
    terms = set(ClaimTerm.objects.values_list("claim_id", "term", "count"))
    assert one_by_one
    Flag.objects.all().delete()
    ClaimTerm.objects.all().delete()
    analysis.analysis_caches_clear()
    assert claims_analyze(claim_ids=[c.pk for c in claims], batch_size=2) == len(claims)
    assert flag_rows() == one_by_one
    assert set(ClaimTerm.objects.values_list("claim_id", "term", "count")) == terms
    # Run again: nothing changes, and a dismissed pair stays dismissed.
    flag = Flag.objects.first()
    Flag.objects.filter(pk=flag.pk).update(status="dismissed")
    claims_analyze(claim_ids=[c.pk for c in claims])
    assert Flag.objects.get(pk=flag.pk).status == "dismissed"
    assert len(flag_rows()) == len(one_by_one)


def test_batch_path_withdraws_an_open_flag_whose_text_changed():
    a, b = ClaimFactory(text=ORIGINAL), ClaimFactory(text=REPEAT)
    claims_analyze(claim_ids=[a.pk, b.pk])
    assert Flag.objects.filter(kind=FlagKind.REPEAT).exists()
    Claim.objects.filter(pk=b.pk).update(text=UNRELATED)
    claims_analyze(claim_ids=[b.pk])
    assert not Flag.objects.exists()
    assert set(postings(b)) == set(engine.index_terms(engine.analyze(UNRELATED)))


@pytest.mark.django_db(transaction=True)
def test_a_new_claim_is_indexed_in_one_statement_and_an_edit_replaces_it():
    claim = ClaimFactory(text=ORIGINAL)
    rows = analysis.postings_of(engine.analyze(ORIGINAL))
    if connection.vendor == "postgresql":
        assert index._insert_new({claim.pk: rows}) == {claim.pk}
        # It has postings now: the one-statement path declines and writes nothing.
        assert index._insert_new({claim.pk: rows}) == set()
    claim_analyze(claim_id=claim.pk)
    assert set(postings(claim)) == {r[0] for r in rows}
    Claim.objects.filter(pk=claim.pk).update(text=UNRELATED)
    claim_analyze(claim_id=claim.pk)
    assert set(postings(claim)) == set(engine.index_terms(engine.analyze(UNRELATED)))


@pytest.mark.django_db(transaction=True)
def test_batch_outside_a_transaction_restores_the_commit_setting():
    def setting():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    before = setting()
    claims = [
        ClaimFactory(text=t, analysis_state=AnalysisState.PENDING) for t in (ORIGINAL, REPEAT)
    ]
    assert analyze_claims([c.pk for c in claims]) == 2
    assert Flag.objects.filter(kind=FlagKind.REPEAT).exists()
    assert setting() == before


@pytest.mark.parametrize(
    "values", [[], [""], ["", ""], ["a", ""], ["910c", "h100", "don't", 'say "x"']]
)
def test_text_arrays_reach_postgresql_whole(values):
    if connection.vendor != "postgresql":
        pytest.skip("text arrays are cut on the server on PostgreSQL only")
    from claims.analysis.sql import TEXT_ARRAY, fetch, text_array

    (found,) = fetch(
        f"SELECT COALESCE({TEXT_ARRAY}, CAST('{{}}' AS text[]))", [text_array(values)]
    )[0]
    assert found == values
