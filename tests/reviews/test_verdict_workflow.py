"""Verdicts move draft → submitted → approved → published (→ corrected / retracted) only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction

from claims.models import ClaimStatus
from reviews.models import RATING_VALUES, Rating, Verdict, VerdictState
from reviews.services import (
    assignment_create,
    evidence_add,
    verdict_approve,
    verdict_correct,
    verdict_create,
    verdict_publish,
    verdict_retract,
    verdict_return,
    verdict_submit,
    verdict_update,
)
from tests.factories import ClaimFactory, SourceFactory, VerdictFactory


@pytest.fixture
def assigned_claim(editor, checker):
    claim = ClaimFactory()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    return claim


def draft(checker, claim, **overrides):
    values = {
        "rating": Rating.FALSE,
        "headline": "Chip speed figure is wrong",
        "explanation": "*No*.",
    }
    values.update(overrides)
    return verdict_create(actor=checker, claim=claim, **values)


def test_full_path_to_publication_moves_the_claim_too(editor, checker, assigned_claim):
    assert assigned_claim.status == ClaimStatus.IN_REVIEW
    verdict = draft(checker, assigned_claim)
    evidence_add(
        actor=checker, verdict=verdict, source=SourceFactory(), stance="refutes", note="Benchmarks"
    )
    verdict_submit(actor=checker, verdict=verdict)
    assigned_claim.refresh_from_db()
    assert assigned_claim.status == ClaimStatus.AWAITING_APPROVAL
    verdict_approve(actor=editor, verdict=verdict)
    verdict_publish(actor=editor, verdict=verdict)
    verdict.refresh_from_db()
    assigned_claim.refresh_from_db()
    assert verdict.state == VerdictState.PUBLISHED
    assert verdict.approver == editor
    assert verdict.published_at is not None
    assert assigned_claim.status == ClaimStatus.PUBLISHED
    assert verdict.rating_value == RATING_VALUES[Rating.FALSE] == 1


def test_headline_longer_than_75_characters_is_a_field_error(checker, assigned_claim):
    with pytest.raises(ValidationError) as excinfo:
        draft(checker, assigned_claim, headline="x" * 76)
    assert "headline" in excinfo.value.message_dict
    assert not Verdict.objects.exists()


def test_database_itself_refuses_a_long_headline(db):
    # SQLite hits the check constraint; PostgreSQL's varchar(75) refuses it even earlier.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        VerdictFactory(headline="y" * 76)


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (VerdictState.DRAFT, "approve"),
        (VerdictState.DRAFT, "publish"),
        (VerdictState.SUBMITTED, "publish"),
        (VerdictState.SUBMITTED, "submit"),
        (VerdictState.RETRACTED, "publish"),
    ],
)
def test_invalid_transitions_are_refused(other_editor, state, step):
    verdict = VerdictFactory(
        state=state, published_at="2025-01-01T00:00Z" if state == "retracted" else None
    )
    service = {"approve": verdict_approve, "publish": verdict_publish, "submit": verdict_submit}[
        step
    ]
    with pytest.raises(ValidationError, match="cannot go from"):
        service(actor=other_editor, verdict=verdict)
    verdict.refresh_from_db()
    assert verdict.state == state


def test_nobody_approves_their_own_verdict(editor, assigned_claim):
    verdict = draft(editor, assigned_claim)
    verdict_submit(actor=editor, verdict=verdict)
    with pytest.raises(PermissionDenied):
        verdict_approve(actor=editor, verdict=verdict)


def test_database_refuses_author_as_approver(editor):
    with pytest.raises(IntegrityError), transaction.atomic():
        VerdictFactory(author=editor, approver=editor)


def test_checker_cannot_approve_or_publish(checker, other_checker, assigned_claim):
    verdict = draft(checker, assigned_claim)
    verdict_submit(actor=checker, verdict=verdict)
    with pytest.raises(PermissionDenied):
        verdict_approve(actor=other_checker, verdict=verdict)


def test_checker_needs_an_assignment_to_draft(other_checker, assigned_claim):
    with pytest.raises(PermissionDenied):
        draft(other_checker, assigned_claim)


def test_return_sends_it_back_to_draft_with_the_comment_in_history(editor, checker, assigned_claim):
    verdict = draft(checker, assigned_claim)
    verdict_submit(actor=checker, verdict=verdict)
    verdict_return(actor=editor, verdict=verdict, comment="Cite the benchmark")
    assert verdict.state == VerdictState.DRAFT
    assert "Cite the benchmark" in verdict.history.latest("history_id").history_change_reason
    verdict_update(actor=checker, verdict=verdict, explanation="Benchmarks show 40%.")


def test_correction_bumps_version_and_keeps_the_old_text(
    editor, other_editor, checker, assigned_claim
):
    verdict = draft(checker, assigned_claim)
    verdict_submit(actor=checker, verdict=verdict)
    verdict_approve(actor=editor, verdict=verdict)
    verdict_publish(actor=editor, verdict=verdict)
    with pytest.raises(ValidationError):
        verdict_update(actor=editor, verdict=verdict, explanation="Silent edit")
    verdict_correct(
        actor=other_editor, verdict=verdict, note="Fixed the percentage", explanation="Now 45%."
    )
    verdict.refresh_from_db()
    assert verdict.version == 2
    assert verdict.correction_note == "Fixed the percentage"
    assert verdict.corrected_at is not None
    explanations = list(
        verdict.history.order_by("history_id").values_list("explanation", flat=True)
    )
    assert explanations[0] == "*No*." and explanations[-1] == "Now 45%."


def test_only_one_published_verdict_per_claim(editor, other_editor, checker, assigned_claim):
    first = VerdictFactory(
        claim=assigned_claim, state=VerdictState.PUBLISHED, published_at="2025-01-01T00:00Z"
    )
    second = VerdictFactory(claim=assigned_claim, state=VerdictState.APPROVED, author=checker)
    with pytest.raises(ValidationError):
        verdict_publish(actor=editor, verdict=second)
    verdict_retract(actor=editor, verdict=first, reason="Source withdrawn")
    verdict_publish(actor=editor, verdict=second)
    assert second.state == VerdictState.PUBLISHED


def test_retraction_needs_a_reason(editor):
    verdict = VerdictFactory(state=VerdictState.PUBLISHED, published_at="2025-01-01T00:00Z")
    with pytest.raises(ValidationError):
        verdict_retract(actor=editor, verdict=verdict, reason=" ")


def test_assigning_needs_a_fact_checker_and_one_open_assignment(
    editor, checker, other_checker, outsider
):
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="not a fact-checker"):
        assignment_create(actor=editor, claim=claim, reviewer=outsider)
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    with pytest.raises(ValidationError):
        assignment_create(actor=editor, claim=claim, reviewer=other_checker)
    with pytest.raises(PermissionDenied):
        assignment_create(actor=checker, claim=ClaimFactory(), reviewer=checker)
