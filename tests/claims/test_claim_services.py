"""Claims are written through services: validation, permission and history in one path."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from claims.models import Appearance, Claim, ClaimStatus
from claims.services import (
    appearance_add,
    appearance_delete,
    appearance_update,
    claim_create,
    claim_set_status,
    claim_update,
)
from tests.factories import AssignmentFactory, ClaimFactory, SourceFactory


def test_editor_creates_claim_with_tags_and_history(editor):
    claim = claim_create(
        actor=editor, text="  Exports  fell by 12% in 2024. ", tags=["Trade", "exports"]
    )
    assert claim.text == "Exports fell by 12% in 2024."
    assert claim.created_by == editor
    assert sorted(claim.tags.values_list("name", flat=True)) == ["exports", "trade"]
    records = list(claim.history.order_by("history_id"))
    assert records[0].history_type == "+"
    assert {r.history_user for r in records} == {editor}
    assert {r.history_change_reason for r in records} == {"Claim created"}
    assert sorted(t.tag.name for t in records[-1].tags.all()) == ["exports", "trade"]


def test_update_records_only_real_changes(editor):
    claim = claim_create(actor=editor, text="Output rose 3%.")
    assert claim_update(actor=editor, claim=claim, text="Output rose 3%.") == []
    assert claim.history.count() == 1
    assert claim_update(actor=editor, claim=claim, text="Output rose 4%.", tags=["economy"]) == [
        "text",
        "tags",
    ]
    assert claim.history.count() == 2
    latest = claim.history.latest("history_id")
    assert latest.text == "Output rose 4%."
    assert [t.tag.name for t in latest.tags.all()] == ["economy"]
    assert latest.history_change_reason == "Changed text, tags"


def test_empty_text_is_a_field_error(editor):
    with pytest.raises(ValidationError) as excinfo:
        claim_create(actor=editor, text="   ")
    assert "text" in excinfo.value.message_dict


def test_checker_may_edit_only_claims_assigned_to_them(checker, other_checker):
    mine = AssignmentFactory(reviewer=checker).claim
    theirs = AssignmentFactory(reviewer=other_checker).claim
    claim_update(actor=checker, claim=mine, text="Corrected wording of the claim.")
    with pytest.raises(PermissionDenied):
        claim_update(actor=checker, claim=theirs, text="Not mine to change.")


@pytest.mark.parametrize("persona", ["publisher", "outsider"])
def test_other_roles_cannot_create_claims(persona, request):
    with pytest.raises(PermissionDenied):
        claim_create(actor=request.getfixturevalue(persona), text="Anything at all.")


def test_invalid_status_transition_is_refused(editor):
    claim = ClaimFactory(status=ClaimStatus.NOT_CHECKABLE)
    with pytest.raises(ValidationError, match="cannot go from"):
        claim_set_status(actor=editor, claim=claim, status=ClaimStatus.PUBLISHED)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NOT_CHECKABLE


def test_status_change_is_audited_and_needs_an_editor(editor, checker):
    claim = ClaimFactory(status=ClaimStatus.TRIAGE)
    with pytest.raises(PermissionDenied):
        claim_set_status(actor=checker, claim=claim, status=ClaimStatus.READY)
    assert claim_set_status(actor=editor, claim=claim, status=ClaimStatus.READY)
    assert not claim_set_status(actor=editor, claim=claim, status=ClaimStatus.READY)
    assert claim.history.latest("history_id").history_user == editor


def test_merged_claim_must_point_at_its_canonical_claim(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(status=ClaimStatus.MERGED, canonical=None)


def test_appearance_offsets_are_found_in_the_source_body(editor):
    source = SourceFactory(body="Intro. The chip reached 60% of rival speed. Outro.")
    claim = ClaimFactory()
    appearance = appearance_add(
        actor=editor, claim=claim, source=source, quote="The chip reached 60% of rival speed."
    )
    assert source.body[appearance.start_offset : appearance.end_offset] == appearance.quote


def test_appearance_offsets_must_describe_a_span(db):
    claim, source = ClaimFactory(), SourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appearance.objects.create(
            claim=claim, source=source, quote="x", start_offset=5, end_offset=2
        )


def test_appearance_changes_and_removal_are_kept_in_history(editor):
    claim, source = ClaimFactory(), SourceFactory()
    appearance = appearance_add(actor=editor, claim=claim, source=source, quote="As said on air.")
    appearance_update(actor=editor, appearance=appearance, stance="disputes")
    pk = appearance.pk
    appearance_delete(actor=editor, appearance=appearance)
    history = Appearance.history.filter(id=pk).order_by("history_id")
    assert [h.history_type for h in history] == ["+", "~", "-"]
    assert {h.history_user for h in history} == {editor}
    assert not Claim.objects.get(pk=claim.pk).appearances.exists()
