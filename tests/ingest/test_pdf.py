"""PDF input: the text layer of an uploaded or fetched PDF becomes the body (pypdf); a damaged,
locked or image-only PDF is a field error and nothing is created."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ingest import extract
from ingest.models import Ingest
from sources.models import Source
from tests.ingest.pdf_helpers import pdf_with_text

LINES = [
    "Island ferry report",
    "Fares on the island ferry rose 30% last year, the operator said.",
    "Dr. Lee expects a further rise of $3.5bn across the U.S. network.",
]


def test_the_text_layer_and_metadata_are_read():
    extracted = extract.from_file("report.pdf", pdf_with_text(LINES, title="Ferry fares 2025"))
    assert extracted.title == "Ferry fares 2025"
    assert extracted.author == "Jane Lee"
    for line in LINES:
        assert line in extracted.body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not really a pdf", "could not be read"),
        (b"", "could not be read"),
        (pdf_with_text([]), "no text to read"),
    ],
)
def test_unreadable_pdfs_are_field_errors(data, message):
    with pytest.raises(ValidationError) as caught:
        extract.from_file("report.pdf", data)
    assert message in caught.value.message_dict["file"][0]


@pytest.mark.django_db
def test_a_pdf_upload_on_the_page_becomes_a_source_with_exact_spans(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile("report.pdf", pdf_with_text(LINES), "application/pdf")
    response = client.post(reverse("queue:source_new"), {"file": upload})
    source = Source.objects.get()
    assert response.status_code == 302
    assert source.title == "A report"
    for c in source.candidates.all():
        assert source.body[c.start_offset : c.end_offset] == c.text
    assert source.candidates.filter(text__contains="Fares on the island ferry rose 30%").exists()


@pytest.mark.django_db
def test_a_damaged_pdf_upload_creates_nothing(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.7\n%%EOF", "application/pdf")
    response = client.post(reverse("queue:source_new"), {"file": upload})
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert not Source.objects.exists()
    assert not Ingest.objects.exists()
