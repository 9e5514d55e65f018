"""The editors' ingest pages through Django's test client: hand in text, see candidates, decide."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Appearance, Claim
from claims.services import claim_create
from ingest.models import Candidate, CandidateStatus
from sources.models import Source
from tests.claims.texts import ORIGINAL

ARTICLE = (
    "Chip race heats up\n\n"
    "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference performance, "
    "analysts said on Monday. The U.S. has restricted exports since 2022.\n"
    "Thank you for reading.\n"
)


def test_pasted_text_opens_the_source_page_with_highlighted_candidates(client, editor):
    client.force_login(editor)
    response = client.post(reverse("queue:source_new"), {"text": ARTICLE})
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("queue:source", args=[source.pk])
    page = client.get(response["Location"]).content.decode()
    assert "<mark" in page and "Chip race heats up" in page
    assert "a figure: 60 percent" in page


def test_a_repeat_of_a_desk_claim_is_offered_as_its_appearance(
    client, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_create(actor=editor, text=ORIGINAL)
    client.force_login(editor)
    client.post(reverse("queue:source_new"), {"text": ARTICLE})
    source = Source.objects.get()
    page = client.get(reverse("queue:source", args=[source.pk])).content.decode()
    assert f'Already in the desk: <a href="/queue/claims/{claim.pk}/">#{claim.pk}</a>' in page
    candidate = Candidate.objects.get(text__startswith="Huawei")
    response = client.post(
        reverse("queue:candidate_decide", args=[candidate.pk]),
        {"action": "appearance", "claim": claim.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'appearance of <a href="/queue/claims/{claim.pk}/">#{claim.pk}</a>' in (
        response.content.decode()
    )
    assert Claim.objects.count() == 1
    assert Appearance.objects.get(claim=claim).start_offset == candidate.start_offset


def test_reject_without_a_reason_is_refused_beside_the_candidate(client, editor):
    client.force_login(editor)
    client.post(reverse("queue:source_new"), {"text": ARTICLE})
    candidate = Candidate.objects.order_by("-score").first()
    url = reverse("queue:candidate_decide", args=[candidate.pk])
    response = client.post(url, {"action": "reject", "reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.OPEN


def test_bad_uploads_and_local_urls_are_refused_and_nothing_is_made(client, editor):
    client.force_login(editor)
    binary = SimpleUploadedFile("scan.txt", b"\x00\x01\x02PNG", content_type="text/plain")
    response = client.post(reverse("queue:source_new"), {"file": binary})
    assert response.status_code == 400
    assert "binary file" in response.content.decode()
    response = client.post(reverse("queue:source_new"), {"url": "http://127.0.0.1/admin/"})
    assert response.status_code == 400
    assert "private or reserved address" in response.content.decode()
    response = client.post(reverse("queue:source_new"), {"text": "  "})
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_a_fact_checker_can_read_but_not_reject(client, checker, editor):
    client.force_login(editor)
    client.post(reverse("queue:source_new"), {"text": ARTICLE})
    candidate = Candidate.objects.first()
    client.force_login(checker)
    assert client.get(reverse("queue:source", args=[candidate.source_id])).status_code == 200
    response = client.post(
        reverse("queue:candidate_decide", args=[candidate.pk]),
        {"action": "reject", "reason": "no"},
    )
    assert response.status_code == 403
