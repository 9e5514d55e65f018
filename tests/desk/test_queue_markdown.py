"""Explanations are Markdown rendered to sanitised HTML: no script survives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from desk.markdown import render_markdown
from reviews.services import assignment_create, verdict_create, verdict_submit
from tests.desk.queue_helpers import queued_claim, signed_in

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">y</p>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


class _Elements(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment (escaped text is not)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html):
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_are_neutralised(attack):
    found = elements(render_markdown(f"Before.\n\n{attack}\n\nAfter."))
    for tag, attrs in found:
        assert tag not in {"script", "iframe", "img", "style", "object"}
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:"))


def test_markdown_formatting_survives():
    html = render_markdown("**Bold**, *it*, [src](https://example.org/a)\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html
    assert "<em>it</em>" in html
    assert 'href="https://example.org/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


@pytest.mark.django_db
def test_claim_page_and_preview_render_the_explanation_safely(editor, checker):
    claim = queued_claim()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    verdict = verdict_create(
        actor=checker,
        claim=claim,
        rating="false",
        headline="Payload test",
        explanation="Fine **text** <script>alert('pwned')</script>",
    )
    verdict_submit(actor=checker, verdict=verdict)
    page = signed_in(editor).get(reverse("queue:claim", args=[claim.pk])).content.decode()
    assert "<strong>text</strong>" in page
    assert "<script>alert('pwned')" not in page
    preview = signed_in(checker).post(
        reverse("queue:preview"), {"explanation": '<img src=x onerror="alert(1)">*ok*'}
    )
    assert "<em>ok</em>" in preview.content.decode()
    assert "<img" not in preview.content.decode()
