"""POST /api/v1/sources/ ingests text, HTML or a URL; GET .../candidates/ lists the sentences."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.models import Ingest
from sources.models import Source
from tests.api.conftest import client_for, issue_token

ARTICLE = (
    "Ferry report\n\nFares on the island ferry rose 30% last year, the operator said. "
    "Thank you for reading.\n"
)


@pytest.fixture
def editor_client(editor):
    return client_for(issue_token(editor))


def test_text_is_ingested_and_its_candidates_carry_exact_offsets(editor_client):
    response = editor_client.post("/api/v1/sources/", {"text": ARTICLE}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "done"
    assert body["source"]["title"] == "Ferry report"
    source = Source.objects.get(pk=body["source"]["id"])
    listed = editor_client.get(f"/api/v1/sources/{source.pk}/candidates/?all=true").json()
    assert len(listed) == 3
    for c in listed:
        assert source.body[c["start_offset"] : c["end_offset"]] == c["text"]
        assert 0 <= c["score"] <= 1
    assert listed[0]["text"].startswith("Fares on the island ferry rose 30%")
    assert "a figure: 30%" in listed[0]["reasons"]
    shown = editor_client.get(f"/api/v1/sources/{source.pk}/candidates/").json()
    assert all(c["score"] >= 0.5 for c in shown)
    assert body["candidates"] == len(shown)


def test_the_same_content_twice_returns_the_first_source(editor_client):
    first = editor_client.post("/api/v1/sources/", {"text": ARTICLE}, format="json").json()
    again = editor_client.post("/api/v1/sources/", {"text": ARTICLE + "\n"}, format="json")
    assert again.status_code == 200
    assert again.json()["source"]["id"] == first["source"]["id"]
    assert Source.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "   "}, "text"),
        ({}, "text"),
        ({"text": ARTICLE, "url": "https://example.org/a"}, "text"),
        ({"url": "http://127.0.0.1/admin/"}, "url"),
        ({"url": "ftp://example.org/a"}, "url"),
        ({"url": "http://localhost:8000/"}, "url"),
        ({"url": "https://example.org/slides.pptx"}, "url"),
        ({"url": "https://example.org/data/figures.xlsx?v=2"}, "url"),
        ({"file": "not a file"}, "file"),
        ({"html": "<html><body><script>x()</script></body></html>"}, "html"),
        ({"text": "binary\x00data"}, "text"),
    ],
)
def test_bad_input_gets_field_errors_and_creates_nothing(editor_client, payload, field):
    response = editor_client.post("/api/v1/sources/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Source.objects.exists()
    assert not Ingest.objects.exists()


def test_a_url_to_a_reserved_address_is_refused_before_anything_is_queued(editor_client):
    response = editor_client.post(
        "/api/v1/sources/", {"url": "http://192.0.2.1/article"}, format="json"
    )
    assert response.status_code == 400  # 192.0.2.0/24 is reserved for documentation
    assert not Ingest.objects.exists()


def test_a_publisher_with_the_submit_scope_may_submit_a_source(publisher_client, publisher):
    response = publisher_client.post("/api/v1/sources/", {"text": ARTICLE}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    ingest = Ingest.objects.get(pk=body["id"])
    assert ingest.created_by == publisher  # written by the system, recorded as theirs
    source = ingest.source
    assert source.candidates.exists()
    # They see the source they submitted, not the desk's candidate sentences.
    listed = publisher_client.get("/api/v1/sources/").json()["results"]
    assert [row["id"] for row in listed] == [source.pk]
    assert publisher_client.get(f"/api/v1/sources/{source.pk}/candidates/").status_code in (
        403,
        404,
    )


def test_a_read_only_token_may_not_submit(publisher):
    client = client_for(issue_token(publisher, scopes=("read",)))
    response = client.post("/api/v1/sources/", {"text": ARTICLE}, format="json")
    assert response.status_code == 403
    assert "submit" in response.content.decode()
    assert not Source.objects.exists()


def test_outsiders_may_not_submit(outsider):
    client = client_for(issue_token(outsider))
    response = client.post("/api/v1/sources/", {"text": ARTICLE}, format="json")
    assert response.status_code == 403
    assert not Source.objects.exists()


def test_a_file_upload_is_ingested(editor_client):
    upload = SimpleUploadedFile("ferry.md", ARTICLE.encode(), content_type="text/markdown")
    response = editor_client.post("/api/v1/sources/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert Source.objects.get().body == ARTICLE


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "no text"),
        ("blob.txt", b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary"),
        ("blob.bin", b"plain words", ".txt, .md, .html or .pdf"),
        ("huge.txt", b"Fifty megabytes of words. " * 2_000_000, "MB limit"),
    ],
)
def test_bad_uploads_get_a_file_error_and_create_nothing(editor_client, name, data, message):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    response = editor_client.post("/api/v1/sources/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["file"])
    assert not Source.objects.exists()
    assert not Ingest.objects.exists()


def test_text_over_the_cap_is_refused(editor_client, settings):
    settings.INGEST_MAX_BYTES = 1000
    response = editor_client.post("/api/v1/sources/", {"text": "A figure: 5%. " * 100})
    assert response.status_code == 400
    assert "MB limit" in " ".join(response.json()["text"])
    assert not Source.objects.exists()
