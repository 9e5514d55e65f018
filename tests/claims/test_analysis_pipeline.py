"""Saved claims are analysed after commit; flags are explainable, unique per pair and kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims import engine
from claims.analysis import claim_analyze, claims_needing_analysis
from claims.models import AnalysisState, Claim, ClaimStatus, Flag, FlagKind, FlagStatus
from claims.services import claim_create, claim_update, flag_confirm, flag_dismiss
from claims.tasks import sweep_analysis
from reviews.models import Rating, VerdictState
from tests.claims.texts import CONFLICT, ORIGINAL, REPEAT, UNRELATED
from tests.factories import AppearanceFactory, VerdictFactory


def create(editor, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return claim_create(actor=editor, text=text)


def test_creation_marks_pending_and_analyses_after_commit(
    editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim = claim_create(actor=editor, text=ORIGINAL)
        assert Claim.objects.get(pk=claim.pk).analysis_state == AnalysisState.PENDING
    assert len(callbacks) == 1  # enqueued only when the transaction commits
    callbacks[0]()
    claim.refresh_from_db()
    assert claim.analysis_state == AnalysisState.DONE
    assert claim.analysed_engine == engine.ENGINE_VERSION
    assert claim.index_terms.exists()


def test_repeat_and_conflict_are_flagged_with_reasons(editor, django_capture_on_commit_callbacks):
    original = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    repeat = create(editor, REPEAT, django_capture_on_commit_callbacks)
    conflict = create(editor, CONFLICT, django_capture_on_commit_callbacks)
    create(editor, UNRELATED, django_capture_on_commit_callbacks)
    flags = {(f.claim_a_id, f.claim_b_id): f for f in Flag.objects.all()}
    assert flags[(original.pk, repeat.pk)].kind == FlagKind.REPEAT
    conflict_flag = flags[(original.pk, conflict.pk)]
    assert conflict_flag.kind == FlagKind.CONFLICT
    assert any("60" in r and "90" in r for r in conflict_flag.reasons), conflict_flag.reasons
    assert all(f.status == FlagStatus.OPEN for f in flags.values())


def test_reanalysis_is_idempotent(editor, django_capture_on_commit_callbacks):
    a = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    create(editor, REPEAT, django_capture_on_commit_callbacks)
    before = list(Flag.objects.values_list("claim_a", "claim_b", "kind", "score"))
    claim_analyze(claim_id=a.pk)
    claim_analyze(claim_id=a.pk)
    assert list(Flag.objects.values_list("claim_a", "claim_b", "kind", "score")) == before


def test_database_refuses_a_second_flag_for_a_pair(editor, django_capture_on_commit_callbacks):
    a = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    b = create(editor, REPEAT, django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(
            claim_a=a,
            claim_b=b,
            kind=FlagKind.REPEAT,
            score=1,
            method="x",
            engine_version="x",
            text_key="x",
        )


def test_dismissed_pair_returns_only_when_a_text_changes(
    editor, django_capture_on_commit_callbacks
):
    a = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    create(editor, CONFLICT, django_capture_on_commit_callbacks)
    flag = Flag.objects.get(kind=FlagKind.CONFLICT)
    flag_dismiss(actor=editor, flag=flag, reason="Different benchmarks")
    claim_analyze(claim_id=a.pk)
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.DISMISSED
    with django_capture_on_commit_callbacks(execute=True):
        claim_update(actor=editor, claim=a, text=ORIGINAL.replace("about 60%", "nearly 60%"))
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN


def test_confirming_a_repeat_merges_the_newer_claim(editor, django_capture_on_commit_callbacks):
    a = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    b = create(editor, REPEAT, django_capture_on_commit_callbacks)
    moved = AppearanceFactory(claim=b)
    flag = Flag.objects.get(kind=FlagKind.REPEAT)
    flag_confirm(actor=editor, flag=flag)
    b.refresh_from_db()
    moved.refresh_from_db()
    assert b.status == ClaimStatus.MERGED
    assert b.canonical_id == a.pk
    assert moved.claim_id == a.pk
    assert moved.history.latest("history_id").history_change_reason.startswith("Merged claim")


def test_repeats_with_different_published_ratings_are_a_verdict_conflict(
    editor, django_capture_on_commit_callbacks
):
    a = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    b = create(editor, REPEAT, django_capture_on_commit_callbacks)
    VerdictFactory(
        claim=a, rating=Rating.TRUE, state=VerdictState.PUBLISHED, published_at=timezone.now()
    )
    VerdictFactory(
        claim=b, rating=Rating.FALSE, state=VerdictState.PUBLISHED, published_at=timezone.now()
    )
    claim_analyze(claim_id=b.pk)
    flag = Flag.objects.get(kind=FlagKind.CONFLICT, method="verdict")
    assert "ratings differ" in flag.reasons[-1]


def test_sweep_requeues_stale_pending_and_old_engine_claims(
    editor, django_capture_on_commit_callbacks
):
    fresh = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    lost = create(editor, UNRELATED, django_capture_on_commit_callbacks)
    old = create(editor, CONFLICT, django_capture_on_commit_callbacks)
    # A message lost while the broker was down: pending for long. An engine upgrade: old version.
    Claim.objects.filter(pk=lost.pk).update(
        analysis_state=AnalysisState.PENDING,
        analysis_requested_at=timezone.now() - timedelta(hours=1),
    )
    Claim.objects.filter(pk=old.pk).update(analysed_engine="lex-0")
    assert sorted(claims_needing_analysis(stale_after=timedelta(minutes=10))) == sorted(
        [lost.pk, old.pk]
    )
    assert sweep_analysis() == 2
    assert claims_needing_analysis(stale_after=timedelta(minutes=10)) == []
    assert Claim.objects.get(pk=fresh.pk).analysis_state == AnalysisState.DONE


def test_analysis_of_a_deleted_claim_returns_quietly(db):
    assert claim_analyze(claim_id=987654) is None


def test_claim_admin_page_shows_flags_with_reasons_and_links(
    editor_client, editor, django_capture_on_commit_callbacks
):
    a = create(editor, ORIGINAL, django_capture_on_commit_callbacks)
    b = create(editor, CONFLICT, django_capture_on_commit_callbacks)
    page = editor_client.get(f"/admin/claims/claim/{a.pk}/change/").content.decode()
    assert "Repeats and conflicts" in page
    assert f"/admin/claims/claim/{b.pk}/change/" in page
    assert "Conflict" in page
