"""Accepting candidates: the claimant the editor confirms, and the selected ones at once (a
repeat of a desk claim becomes its appearance; all or nothing)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import Appearance, Claim, Claimant
from claims.services import claim_create
from ingest import extract
from ingest.models import Candidate, CandidateStatus, IngestOrigin
from ingest.services import (
    candidate_accept,
    candidate_reject,
    candidates_accept_many,
    ingest_body,
)
from tests.claims.texts import ORIGINAL

pytestmark = pytest.mark.django_db

ARTICLE = (
    "Chip race heats up\n\n"
    "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference performance, "
    "analysts said on Monday. According to Barclays, AI inference will account for 70% of "
    "demand for AI computing by 2026. The Bank of England said inflation fell to 2.1% in May.\n"
)


def ingested(editor):
    source = ingest_body(
        actor=editor, extracted=extract.from_text(ARTICLE), origin=IngestOrigin.TEXT
    ).source
    return source, {c.text.split()[0]: c for c in source.candidates.all()}


def test_accept_takes_the_confirmed_claimant_found_or_made(editor):
    existing = Claimant.objects.create(name="Barclays", kind="organisation")
    _source, by_word = ingested(editor)
    assert by_word["According"].attributed_to == "Barclays"
    candidate_accept(actor=editor, candidate=by_word["According"], claimant_name="barclays")
    accepted = Candidate.objects.get(pk=by_word["According"].pk)
    assert accepted.appearance.claim.claimant == existing
    assert accepted.appearance.speaker == "Barclays"

    # The editor changed the prefilled name: a new claimant of that name is made.
    candidate_accept(actor=editor, candidate=by_word["The"], claimant_name="  Bank of  England ")
    made = Claimant.objects.get(name="Bank of England")
    assert made.kind == "organisation"
    # Cleared: no claimant.
    candidate_accept(actor=editor, candidate=by_word["Chip"], claimant_name="")
    assert Claim.objects.get(text__startswith="Chip race").claimant is None


def test_bulk_accept_makes_claims_and_appearances_of_repeats(
    editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        desk_claim = claim_create(actor=editor, text=ORIGINAL)  # analysed and indexed
    source, by_word = ingested(editor)
    repeat, barclays = by_word["Huawei's"], by_word["According"]
    assert [m["claim_id"] for m in repeat.matches if m["label"] == "repeat"] == [desk_claim.pk]

    done = candidates_accept_many(
        actor=editor,
        source=source,
        candidate_ids=[repeat.pk, barclays.pk],
        claimants={barclays.pk: "Barclays"},
    )
    assert {c.status for c in done} == {CandidateStatus.ACCEPTED}
    assert Claim.objects.count() == 2  # the desk claim and Barclays' new one, no duplicate
    appearance = Appearance.objects.get(claim=desk_claim)
    assert (appearance.start_offset, appearance.end_offset) == (
        repeat.start_offset,
        repeat.end_offset,
    )
    assert Claim.objects.exclude(pk=desk_claim.pk).get().claimant.name == "Barclays"


def test_bulk_accept_is_all_or_nothing(editor):
    source, by_word = ingested(editor)
    candidate_reject(actor=editor, candidate=by_word["The"], reason="Not about chips")
    with pytest.raises(ValidationError) as caught:
        candidates_accept_many(
            actor=editor, source=source, candidate_ids=[by_word["According"].pk, by_word["The"].pk]
        )
    assert "Already decided" in str(caught.value)
    assert not Claim.objects.exists()
    assert Candidate.objects.get(pk=by_word["According"].pk).status == CandidateStatus.OPEN
    with pytest.raises(ValidationError, match="Select at least one"):
        candidates_accept_many(actor=editor, source=source, candidate_ids=[])


def test_bulk_accept_refuses_candidates_of_another_source(editor):
    _source, by_word = ingested(editor)
    other = ingest_body(
        actor=editor, extracted=extract.from_text("Another text. It says 5% more."), origin="text"
    ).source
    with pytest.raises(ValidationError, match="not of this source"):
        candidates_accept_many(actor=editor, source=other, candidate_ids=[by_word["According"].pk])


def test_bulk_accept_page_with_confirmed_claimants(client, editor):
    source, by_word = ingested(editor)
    client.force_login(editor)
    page = client.get(reverse("queue:source", args=[source.pk])).content.decode()
    assert 'form="bulk-accept"' in page and "Attributed to Barclays" in page
    assert 'name="claimant" size="20" value="Barclays"' in page
    barclays, bank = by_word["According"], by_word["The"]
    response = client.post(
        reverse("queue:candidates_accept", args=[source.pk]),
        # The Bank's attribution is not confirmed (box unticked): no claimant for it.
        {"candidate": [barclays.pk, bank.pk], "confirm_claimant": [barclays.pk]},
        follow=True,
    )
    assert "Accepted 2 sentences." in response.content.decode()
    claims = {c.text.split()[0]: c for c in Claim.objects.select_related("claimant")}
    assert claims["According"].claimant.name == "Barclays"
    assert claims["The"].claimant is None

    response = client.post(
        reverse("queue:candidates_accept", args=[source.pk]), {"candidate": [barclays.pk]},
        follow=True,
    )  # fmt: skip
    assert "Already decided" in response.content.decode()
    assert Claim.objects.count() == 2


def test_bulk_accept_needs_a_staff_member(client, outsider, editor):
    source, by_word = ingested(editor)
    client.force_login(outsider)
    response = client.post(
        reverse("queue:candidates_accept", args=[source.pk]), {"candidate": [by_word["The"].pk]}
    )
    assert response.status_code in (302, 403)
    assert not Claim.objects.exists()
