"""Storing findings outside a transaction, as a worker does: one statement for new claims,
the careful path once a flag mentions a claim; the same flags and history either way."""

from __future__ import annotations

import pytest

from claims import analysis
from claims.analysis import claim_analyze, claims_analyze
from claims.models import AnalysisState, Claim, ClaimAnalysis, Flag, FlagKind, FlagStatus
from tests.claims.texts import CONFLICT, ORIGINAL, REPEAT, UNRELATED
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_caches")]


def test_new_claims_get_flags_history_stored_analyses_and_the_analysed_mark():
    claims = [
        ClaimFactory(text=t, analysis_state=AnalysisState.PENDING)
        for t in (ORIGINAL, REPEAT, CONFLICT)
    ]
    claims_analyze(claim_ids=[c.pk for c in claims])
    kinds = set(Flag.objects.values_list("claim_a_id", "claim_b_id", "kind"))
    a, b, c = (claim.pk for claim in claims)
    assert (a, b, FlagKind.REPEAT) in kinds
    assert (a, c, FlagKind.CONFLICT) in kinds
    for flag in Flag.objects.all():
        assert flag.status == FlagStatus.OPEN
        assert flag.reasons
        assert list(flag.history.values_list("history_type", flat=True)) == ["+"]
    assert set(Claim.objects.values_list("analysis_state", flat=True)) == {AnalysisState.DONE}
    assert ClaimAnalysis.objects.count() == 3


def test_a_claim_already_flagged_goes_the_careful_way_and_a_stale_flag_is_withdrawn():
    a, b = ClaimFactory(text=ORIGINAL), ClaimFactory(text=REPEAT)
    claims_analyze(claim_ids=[a.pk, b.pk])
    flag = Flag.objects.get(kind=FlagKind.REPEAT)
    Claim.objects.filter(pk=b.pk).update(text=UNRELATED, analysis_state=AnalysisState.PENDING)
    analysis.claims_index(claim_ids=[b.pk])
    claim_analyze(claim_id=b.pk)
    assert not Flag.objects.filter(pk=flag.pk).exists()
    assert Claim.objects.get(pk=b.pk).analysis_state == AnalysisState.DONE


def test_running_twice_leaves_the_same_flags_and_history():
    a, b = ClaimFactory(text=ORIGINAL), ClaimFactory(text=CONFLICT)
    claim_analyze(claim_id=a.pk)
    claim_analyze(claim_id=b.pk)
    before = list(Flag.objects.values("claim_a", "claim_b", "kind", "score", "reasons"))
    assert before
    history = Flag.history.count()
    claim_analyze(claim_id=b.pk)
    claim_analyze(claim_id=a.pk)
    assert list(Flag.objects.values("claim_a", "claim_b", "kind", "score", "reasons")) == before
    assert Flag.history.count() == history


def test_analysis_works_without_prepared_statements(settings):
    settings.ANALYSIS_PREPARED_STATEMENTS = False
    a, b = ClaimFactory(text=ORIGINAL), ClaimFactory(text=REPEAT)
    claims_analyze(claim_ids=[a.pk, b.pk])
    assert Flag.objects.filter(claim_a=a, claim_b=b, kind=FlagKind.REPEAT).exists()


def test_a_candidate_without_a_stored_analysis_gets_one_with_the_flags():
    pool = ClaimFactory(text=ORIGINAL)
    analysis.claims_index(claim_ids=[pool.pk])
    ClaimAnalysis.objects.filter(claim=pool).delete()
    analysis.analysis_caches_clear()
    query = ClaimFactory(text=REPEAT)
    claim_analyze(claim_id=query.pk)
    assert Flag.objects.filter(claim_a=pool, claim_b=query, kind=FlagKind.REPEAT).exists()
    assert set(ClaimAnalysis.objects.values_list("claim_id", flat=True)) == {pool.pk, query.pk}
