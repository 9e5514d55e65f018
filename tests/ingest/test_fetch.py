"""A queued URL is fetched by the worker task behind the outbound guard: HTML becomes a source,
other content types and refused addresses fail with a readable reason, and can be retried."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from ingest.models import Ingest, IngestState
from ingest.services import ingest_fetch, ingest_request_url, ingest_retry
from sources.models import Source
from tests.ingest.pdf_helpers import pdf_with_text

PARAGRAPH = (
    "The harbour authority said ferry fares rose 30% last year, the largest rise since 2015. "
)
PAGES: dict[str, tuple[int, str, bytes, dict[str, str]]] = {
    "/article": (
        200,
        "text/html; charset=utf-8",
        (
            "<html><head><title>Fares soar</title></head><body><article><h1>Fares soar</h1>"
            f"<p>{PARAGRAPH * 3}</p><p>{PARAGRAPH.replace('harbour', 'port') * 2}</p>"
            "</article></body></html>"
        ).encode(),
        {},
    ),
    "/archive": (200, "application/zip", b"PK...", {}),
    "/report.pdf": (
        200,
        "application/pdf",
        pdf_with_text(["Ferry fares rose 30% last year, the harbour authority said."]),
        {},
    ),
    "/moved": (302, "text/html", b"", {"Location": "/article"}),
    "/missing": (404, "text/html", b"gone", {}),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, kind, body, headers = PAGES.get(self.path, (404, "text/plain", b"", {}))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def queue(editor, url, django_capture_on_commit_callbacks):
    # The task runs eagerly in tests once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        ingest = ingest_request_url(actor=editor, url=url)
    ingest.refresh_from_db()
    return ingest


def test_loopback_is_refused_unless_allowed(editor, server):
    with pytest.raises(ValidationError) as caught:
        ingest_request_url(actor=editor, url=f"{server}/article")
    assert "private or reserved address" in caught.value.message_dict["url"][0]
    assert not Ingest.objects.exists()


def test_an_html_page_is_fetched_and_ingested(
    editor, server, settings, django_capture_on_commit_callbacks
):
    settings.INGEST_ALLOW_PRIVATE = True
    ingest = queue(editor, f"{server}/moved", django_capture_on_commit_callbacks)
    assert ingest.state == IngestState.DONE, ingest.error
    source = ingest.source
    assert source.title == "Fares soar"
    assert "ferry fares rose 30%" in source.body
    assert source.candidates.exists()
    # Idempotent: running the task again changes nothing.
    ingest_fetch(ingest_id=ingest.pk)
    assert Source.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/archive", "Not an HTML, text or PDF page (application/zip)"), ("/missing", "HTTP 404")],
)
def test_other_content_fails_with_a_reason_and_can_be_retried(
    editor, server, settings, django_capture_on_commit_callbacks, path, reason
):
    settings.INGEST_ALLOW_PRIVATE = True
    ingest = queue(editor, f"{server}{path}", django_capture_on_commit_callbacks)
    assert ingest.state == IngestState.FAILED
    assert reason in ingest.error
    assert ingest.source is None
    assert not Source.objects.exists()
    PAGES[path] = PAGES["/article"]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ingest_retry(actor=editor, ingest=ingest)
    finally:
        del PAGES[path]
    ingest.refresh_from_db()
    assert ingest.state == IngestState.DONE
    assert ingest.attempts == 2


def test_a_pdf_is_fetched_and_its_text_ingested(
    editor, server, settings, django_capture_on_commit_callbacks
):
    settings.INGEST_ALLOW_PRIVATE = True
    ingest = queue(editor, f"{server}/report.pdf", django_capture_on_commit_callbacks)
    assert ingest.state == IngestState.DONE, ingest.error
    assert "Ferry fares rose 30% last year" in ingest.source.body
