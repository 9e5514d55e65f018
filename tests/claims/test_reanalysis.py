"""Analysing claims again (an engine upgrade, a retry, an edit elsewhere) keeps what holds:
a flag found from the other side, an editor's decision, and a repeat whose wording was only
amplified or softened; it withdraws only what a changed text no longer supports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claims import analysis
from claims.analysis import claim_analyze, claims_analyze, claims_needing_analysis
from claims.models import AnalysisState, Claim, Flag, FlagKind, FlagStatus
from claims.services import claim_update, flag_dismiss
from claims.tasks import sweep_analysis
from tests.claims.test_analysis_order import GROUPS, flag_rows, make_claims

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_caches")]


def ranking_finds_nothing(monkeypatch) -> None:
    """Ranking brings nothing up (a crowded index, another moment): only the claim's flags
    still name its partners."""
    monkeypatch.setattr(
        "claims.analysis.pipeline.rank_many",
        lambda queries, k: {key: [] for key, _features, _exclude in queries},
    )


def test_a_flag_found_from_the_other_side_survives_a_ranking_that_misses_it(monkeypatch):
    claims = make_claims()
    claims_analyze(claim_ids=[c.pk for c in claims])
    original, repeat, conflict = (Claim.objects.get(text=text) for text in GROUPS[0])
    mine = set(Flag.objects.filter(claim_a_id=original.pk).values_list("kind", "claim_b_id"))
    assert {(FlagKind.REPEAT, repeat.pk), (FlagKind.CONFLICT, conflict.pk)} <= mine
    before = flag_rows()

    ranking_finds_nothing(monkeypatch)
    claim_analyze(claim_id=original.pk)
    claims_analyze(claim_ids=[original.pk, repeat.pk])
    assert flag_rows() == before

    # A text that changes does withdraw the open flags it no longer supports.
    Claim.objects.filter(pk=conflict.pk).update(
        text="Ferries no longer stop at the Solvang pier in winter."
    )
    claim_analyze(claim_id=original.pk)
    assert set(Flag.objects.filter(claim_a_id=original.pk).values_list("kind", "claim_b_id")) == (
        mine - {(FlagKind.CONFLICT, conflict.pk)}
    )
    assert len(flag_rows()) == len(before) - 1


def test_an_engine_upgrade_reanalyses_through_the_sweep_and_changes_no_flag():
    claims = make_claims()
    for claim in claims:
        claim_analyze(claim_id=claim.pk)
    before, history = flag_rows(), Flag.history.count()
    assert before
    Claim.objects.update(analysed_engine="lex-0")
    assert len(claims_needing_analysis(stale_after=timedelta(minutes=10))) == len(claims)
    analysis.analysis_caches_clear()  # a fresh worker after the upgrade
    assert sweep_analysis() == len(claims)
    assert set(Claim.objects.values_list("analysis_state", flat=True)) == {AnalysisState.DONE}
    assert flag_rows() == before
    assert Flag.history.count() == history


def test_a_dismissed_flag_stays_dismissed_whichever_side_is_analysed_again(editor, monkeypatch):
    claims = make_claims()
    claims_analyze(claim_ids=[c.pk for c in claims])
    original, _repeat, conflict = (Claim.objects.get(text=text) for text in GROUPS[1])
    flag = Flag.objects.get(claim_a_id=original.pk, claim_b_id=conflict.pk)
    flag_dismiss(actor=editor, flag=flag, reason="Two different lending years.")
    claims_analyze(claim_ids=[conflict.pk, original.pk])
    ranking_finds_nothing(monkeypatch)
    claim_analyze(claim_id=conflict.pk)
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.DISMISSED


@pytest.mark.parametrize(
    "edited",
    [
        "The Ressa vaccine trial reportedly enrolled 12,000 volunteers in 2021.",
        "The Ressa vaccine trial enrolled a remarkable 12,000 volunteers in 2021!",
        "The Ressa vaccine trial may have enrolled 12,000 volunteers in 2021.",
    ],
)
def test_amplified_or_softened_wording_keeps_the_repeat(editor, edited):
    claims = make_claims()
    claims_analyze(claim_ids=[c.pk for c in claims])
    original, repeat, conflict = (Claim.objects.get(text=text) for text in GROUPS[3])
    assert Flag.objects.filter(
        claim_a_id=original.pk, claim_b_id=repeat.pk, kind=FlagKind.REPEAT
    ).exists()

    claim_update(actor=editor, claim=repeat, text=edited)
    claim_analyze(claim_id=repeat.pk)
    kinds = Flag.objects.filter(claim_a_id=original.pk, claim_b_id=repeat.pk)
    assert set(kinds.values_list("kind", flat=True)) == {FlagKind.REPEAT}
    # ... and the other figure still contradicts the edited wording.
    assert Flag.objects.filter(
        claim_a_id=repeat.pk, claim_b_id=conflict.pk, kind=FlagKind.CONFLICT
    ).exists()
