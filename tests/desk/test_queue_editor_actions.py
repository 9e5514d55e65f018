"""Editors' side of the queue: awaiting approval, approve, return, publish, correct, retract."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import ClaimStatus
from reviews.models import OPEN_ASSIGNMENT_STATES, Assignment, Rating, Verdict, VerdictState
from reviews.services import assignment_create, verdict_create, verdict_submit
from tests.desk.queue_helpers import VERDICT, queued_claim, signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(editor, checker):
    claim = queued_claim()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    verdict = verdict_create(actor=checker, claim=claim, **VERDICT)
    verdict_submit(actor=checker, verdict=verdict)
    return verdict


def test_awaiting_approval_lists_submitted_verdicts(editor, submitted):
    html = signed_in(editor).get(reverse("queue:approvals")).content.decode()
    assert submitted.headline in html
    assert reverse("queue:claim", args=[submitted.claim_id]) in html


def test_return_with_a_comment_the_checker_sees(editor, checker, submitted):
    response = signed_in(editor).post(
        reverse("queue:verdict_return", args=[submitted.pk]),
        {"comment": "Cite the filing page number."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == VerdictState.DRAFT
    html = signed_in(checker).get(reverse("queue:claim", args=[submitted.claim_id])).content
    assert "Cite the filing page number." in html.decode()


def test_return_without_comment_shows_the_error(editor, submitted):
    response = signed_in(editor).post(
        reverse("queue:verdict_return", args=[submitted.pk]), {"comment": ""}
    )
    assert response.status_code == 200
    assert 'id="id_comment_error"' in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == VerdictState.SUBMITTED


def test_an_editor_cannot_approve_their_own_verdict(editor):
    claim = queued_claim()
    own = verdict_create(actor=editor, claim=claim, **VERDICT)
    verdict_submit(actor=editor, verdict=own)
    client = signed_in(editor)
    page = client.get(reverse("queue:claim", args=[claim.pk])).content.decode()
    assert reverse("queue:verdict_approve", args=[own.pk]) not in page
    response = client.post(reverse("queue:verdict_approve", args=[own.pk]))
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.state == VerdictState.SUBMITTED
    assert own.approver is None


def test_checkers_cannot_approve(checker, other_checker, submitted):
    response = signed_in(other_checker).post(reverse("queue:verdict_approve", args=[submitted.pk]))
    assert response.status_code == 403


def test_approve_publish_correct_and_retract(editor, submitted):
    client = signed_in(editor)
    assert client.post(reverse("queue:verdict_approve", args=[submitted.pk])).status_code == 302
    assert client.post(reverse("queue:verdict_publish", args=[submitted.pk])).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == VerdictState.PUBLISHED
    assert submitted.published_at is not None
    assert submitted.claim.status == ClaimStatus.PUBLISHED
    # The checker's assignment is finished, so the claim leaves "Assigned to me".
    assert not Assignment.objects.filter(claim=submitted.claim, state__in=OPEN_ASSIGNMENT_STATES)

    response = client.post(
        reverse("queue:verdict_correct", args=[submitted.pk]),
        {
            "rating": Rating.MOSTLY_FALSE,
            "headline": "Five times too high",
            "explanation": "The filing was revised.",
            "note": "The company restated its figures.",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.version == 2
    assert submitted.corrected_at is not None
    page = client.get(reverse("queue:claim", args=[submitted.claim_id])).content.decode()
    # Both versions in the history.
    assert "v1" in page
    assert "v2" in page
    assert VERDICT["headline"] in page
    log = signed_in(UserFactory()).get(reverse("corrections:log")).content.decode()
    assert "The company restated its figures." in log

    response = client.post(
        reverse("queue:verdict_retract", args=[submitted.pk]), {"reason": "Source withdrawn."}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == VerdictState.RETRACTED
    assert "Source withdrawn." in client.get(reverse("corrections:log")).content.decode()


def test_correction_needs_a_note(editor, submitted):
    client = signed_in(editor)
    client.post(reverse("queue:verdict_approve", args=[submitted.pk]))
    client.post(reverse("queue:verdict_publish", args=[submitted.pk]))
    response = client.post(
        reverse("queue:verdict_correct", args=[submitted.pk]), {**VERDICT, "note": ""}
    )
    assert response.status_code == 200
    assert 'id="id_note_error"' in response.content.decode()
    assert Verdict.objects.get(pk=submitted.pk).version == 1


def test_the_corrections_log_is_public(client):
    assert client.get(reverse("corrections:log")).status_code == 200
