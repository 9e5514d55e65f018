"""The verdict form on the claim page: draft, submit, errors beside fields, no lost updates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import Evidence, Verdict, VerdictState
from reviews.services import assignment_create, verdict_update
from tests.desk.queue_helpers import VERDICT, queued_claim, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_claim(editor, checker):
    claim = queued_claim()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    return claim


def test_the_form_has_the_three_labelled_fields(checker, held_claim):
    html = signed_in(checker).get(reverse("queue:claim", args=[held_claim.pk])).content.decode()
    for label in ("Rating", "Headline", "Explanation"):
        assert f">{label}</label>" in html
    assert "Submit for approval" in html


def test_save_draft_then_submit_for_approval(checker, held_claim):
    client = signed_in(checker)
    url = reverse("queue:verdict_save", args=[held_claim.pk])
    response = client.post(url, {**VERDICT, "action": "save"})
    assert response.status_code == 302
    verdict = Verdict.objects.get(claim=held_claim)
    assert verdict.state == VerdictState.DRAFT
    assert verdict.author == checker
    response = client.post(
        url, {**VERDICT, "headline": "Ten times too high", "revision": verdict.revision,
              "action": "submit"}
    )  # fmt: skip
    assert response.status_code == 302
    verdict.refresh_from_db()
    assert verdict.state == VerdictState.SUBMITTED
    assert verdict.headline == "Ten times too high"


def test_errors_show_beside_fields_and_keep_what_was_typed(checker, held_claim):
    typed = "A long explanation the checker must not lose, with *emphasis*."
    response = signed_in(checker).post(
        reverse("queue:verdict_save", args=[held_claim.pk]),
        {"rating": "", "headline": "x" * 90, "explanation": typed, "action": "save"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_rating_error"' in html
    assert 'id="id_headline_error"' in html
    assert typed in html
    assert not Verdict.objects.filter(claim=held_claim).exists()


def test_a_stale_save_is_refused_and_the_text_kept(editor, checker, held_claim):
    client = signed_in(checker)
    url = reverse("queue:verdict_save", args=[held_claim.pk])
    client.post(url, {**VERDICT, "action": "save"})
    verdict = Verdict.objects.get(claim=held_claim)
    seen_revision = verdict.revision
    # The editor edits the same draft in between.
    verdict_update(actor=editor, verdict=verdict, headline="Editor's sharper headline")
    mine = "My own rewrite of the explanation, typed while the editor was editing."
    response = client.post(
        url, {**VERDICT, "explanation": mine, "revision": seen_revision, "action": "save"}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by editor after you opened it" in html
    assert mine in html
    verdict.refresh_from_db()
    assert verdict.headline == "Editor's sharper headline"
    assert verdict.explanation == VERDICT["explanation"]
    # Saving again from the page that showed the conflict is a deliberate overwrite.
    assert f'name="revision" value="{verdict.revision}"' in html
    again = client.post(
        url, {**VERDICT, "explanation": mine, "revision": verdict.revision, "action": "save"}
    )
    assert again.status_code == 302
    verdict.refresh_from_db()
    assert verdict.explanation == mine


def test_a_save_without_revision_cannot_overwrite_an_existing_draft(checker, held_claim):
    client = signed_in(checker)
    url = reverse("queue:verdict_save", args=[held_claim.pk])
    client.post(url, {**VERDICT, "action": "save"})
    response = client.post(url, {**VERDICT, "headline": "Blind overwrite", "action": "save"})
    assert response.status_code == 409
    assert Verdict.objects.get(claim=held_claim).headline == VERDICT["headline"]


def test_only_the_holder_can_start_a_verdict(checker, other_checker, held_claim):
    response = signed_in(other_checker).post(
        reverse("queue:verdict_save", args=[held_claim.pk]), {**VERDICT, "action": "save"}
    )
    assert response.status_code == 403
    assert not Verdict.objects.filter(claim=held_claim).exists()


def test_evidence_gathered_before_the_draft_joins_it(checker, held_claim):
    client = signed_in(checker)
    evidence = {
        "url": "https://stats.example.org/table-7",
        "title": "Table 7",
        "outlet": "Statistics office",
        "stance": "refutes",
        "note": "Row 12.",
    }
    response = client.post(reverse("queue:evidence_add", args=[held_claim.pk]), evidence)
    assert response.status_code == 302
    item = Evidence.objects.get(claim=held_claim)
    assert item.verdict is None
    again = client.post(reverse("queue:evidence_add", args=[held_claim.pk]), evidence)
    assert "already in the evidence" in again.content.decode()
    client.post(reverse("queue:verdict_save", args=[held_claim.pk]), {**VERDICT, "action": "save"})
    item.refresh_from_db()
    assert item.verdict == Verdict.objects.get(claim=held_claim)
    page = client.get(reverse("queue:claim", args=[held_claim.pk])).content.decode()
    assert "Table 7" in page


def test_evidence_needs_a_url_and_title(checker, held_claim):
    response = signed_in(checker).post(
        reverse("queue:evidence_add", args=[held_claim.pk]),
        {"url": "not a url", "title": "", "stance": "supports", "note": "kept note"},
    )
    html = response.content.decode()
    assert 'id="id_url_error"' in html
    assert 'id="id_title_error"' in html
    assert "kept note" in html
    assert not Evidence.objects.exists()


def test_editing_a_submitted_verdict_keeps_it_submitted(checker, held_claim):
    client = signed_in(checker)
    url = reverse("queue:verdict_save", args=[held_claim.pk])
    client.post(url, {**VERDICT, "action": "submit"})
    verdict = Verdict.objects.get(claim=held_claim)
    assert verdict.state == VerdictState.SUBMITTED
    response = client.post(
        url, {**VERDICT, "headline": "Sharper", "revision": verdict.revision, "action": "submit"},
        follow=True,
    )  # fmt: skip
    assert "awaiting approval" in response.content.decode()
    verdict.refresh_from_db()
    assert (verdict.state, verdict.headline) == (VerdictState.SUBMITTED, "Sharper")
