"""Analyses are stored with the claim, and candidates are compared through them."""

from __future__ import annotations

import pytest

from claims import analysis, engine
from claims.analysis import claim_analyze, claims_index
from claims.engine import stored
from claims.models import ClaimAnalysis, Flag, FlagKind
from tests.claims.texts import CONFLICT, ORIGINAL, REPEAT
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_caches")]


@pytest.fixture
def analysed_texts(monkeypatch):
    seen: list[str] = []
    analyze = engine.analyze

    def counting(text):
        seen.append(text)
        return analyze(text)

    monkeypatch.setattr(engine, "analyze", counting)
    return seen


def test_analysing_a_claim_stores_its_analysis():
    claim = ClaimFactory(text=ORIGINAL)
    claim_analyze(claim_id=claim.pk)
    row = ClaimAnalysis.objects.get(claim=claim)
    assert row.engine_version == engine.ENGINE_VERSION
    assert row.text_key == analysis.text_key(ORIGINAL)
    assert stored.loads(row.data).terms == engine.analyze(ORIGINAL).terms


def test_a_candidate_is_compared_through_its_stored_analysis(analysed_texts):
    pool = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[pool.pk])
    assert ClaimAnalysis.objects.filter(claim=pool).exists()
    analysis.analysis_caches_clear()  # a worker that never analysed the pool claim
    analysed_texts.clear()
    query = ClaimFactory(text=REPEAT)
    claim_analyze(claim_id=query.pk)
    assert Flag.objects.filter(claim_a=pool, claim_b=query, kind=FlagKind.REPEAT).exists()
    assert analysed_texts == [REPEAT]


def test_an_edited_claims_stored_analysis_is_not_used(analysed_texts):
    pool = ClaimFactory(text=REPEAT)
    claims_index(claim_ids=[pool.pk])
    # Edited behind the index's back: the stored analysis is of the old text.
    type(pool).objects.filter(pk=pool.pk).update(text=CONFLICT)
    analysis.analysis_caches_clear()
    analysed_texts.clear()
    query = ClaimFactory(text=ORIGINAL)
    claim_analyze(claim_id=query.pk)
    assert CONFLICT in analysed_texts
    assert Flag.objects.filter(claim_a=pool, claim_b=query, kind=FlagKind.CONFLICT).exists()
    assert not Flag.objects.filter(kind=FlagKind.REPEAT).exists()
    # Stored again, of the text it has now: the next comparison need not analyse it.
    assert ClaimAnalysis.objects.get(claim=pool).text_key == analysis.text_key(CONFLICT)


def test_a_candidate_indexed_before_analyses_were_kept_gets_one(analysed_texts):
    pool = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[pool.pk])
    ClaimAnalysis.objects.filter(claim=pool).delete()
    analysis.analysis_caches_clear()
    claim_analyze(claim_id=ClaimFactory(text=REPEAT).pk)
    assert ClaimAnalysis.objects.get(claim=pool).text_key == analysis.text_key(ORIGINAL)
    analysis.analysis_caches_clear()
    analysed_texts.clear()
    claim_analyze(claim_id=ClaimFactory(text=CONFLICT).pk)
    assert ORIGINAL not in analysed_texts


def test_analyses_of_another_engine_version_are_not_used(analysed_texts):
    pool = ClaimFactory(text=ORIGINAL)
    claims_index(claim_ids=[pool.pk])
    ClaimAnalysis.objects.filter(claim=pool).update(engine_version="older")
    analysis.analysis_caches_clear()
    analysed_texts.clear()
    claim_analyze(claim_id=ClaimFactory(text=REPEAT).pk)
    assert ORIGINAL in analysed_texts


NUMBER_WORDS = "The ferry carries twelve hundred passengers, the operator said."


def test_a_second_analysis_of_an_unchanged_text_does_not_run_the_language_layer(monkeypatch):
    """The newsroom-language layer (number words, relations) runs once per claim text: a
    second analysis, in a process that never saw the claim, reads the stored analysis."""
    from claims.engine import features, lexicon

    calls: list[str] = []
    rewrite, parse_number = features.rewrite, lexicon.parse_number

    def counting_rewrite(text):
        calls.append(text)
        return rewrite(text)

    monkeypatch.setattr(features, "rewrite", counting_rewrite)
    monkeypatch.setattr(
        lexicon, "parse_number", lambda words: calls.append(words) or parse_number(words)
    )
    lexicon._number_value.cache_clear()
    claim = ClaimFactory(text=NUMBER_WORDS)
    claim_analyze(claim_id=claim.pk)
    assert "twelve hundred" in calls  # the first analysis parsed the number words
    assert ClaimAnalysis.objects.filter(claim=claim).exists()

    analysis.analysis_caches_clear()  # a fresh worker
    lexicon._number_value.cache_clear()
    calls.clear()
    claim_analyze(claim_id=claim.pk)
    assert calls == []


def test_a_changed_text_is_analysed_afresh(monkeypatch):
    from claims.engine import features

    calls: list[str] = []
    rewrite = features.rewrite
    monkeypatch.setattr(features, "rewrite", lambda text: calls.append(text) or rewrite(text))
    claim = ClaimFactory(text=NUMBER_WORDS)
    claim_analyze(claim_id=claim.pk)
    type(claim).objects.filter(pk=claim.pk).update(text=NUMBER_WORDS.replace("twelve", "eleven"))
    analysis.analysis_caches_clear()
    calls.clear()
    claim_analyze(claim_id=claim.pk)
    assert calls == [NUMBER_WORDS.replace("twelve", "eleven")]
    stored_now = stored.loads(ClaimAnalysis.objects.get(claim=claim).data)
    assert stored_now is not None and stored_now.quantities[0].value == 1100
