"""Ingesting a body: a source with exact candidate spans, idempotent by content, refusals that
leave nothing behind, and decisions on candidates (new claim, appearance of a desk claim)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Appearance, Claim
from claims.services import claim_create
from ingest import extract
from ingest.models import Candidate, CandidateStatus, Ingest, IngestOrigin
from ingest.services import (
    candidate_accept,
    candidate_accept_as_appearance,
    candidate_reject,
    ingest_body,
)
from sources.models import Source
from tests.claims.texts import ORIGINAL

ARTICLE = (
    "Chip race heats up\n\n"
    "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference performance, "
    "analysts at DeepSeek said on Monday. The U.S. has restricted exports since 2022.\n"
    "Dr. Li thinks the gap will close. “It is a matter of time,” she said.\n"
    "Thank you for reading.\n"
)


def ingest_text(actor, text, **kwargs):
    return ingest_body(
        actor=actor, extracted=extract.from_text(text), origin=IngestOrigin.TEXT, **kwargs
    )


def test_text_becomes_a_source_with_exact_scored_spans(editor):
    result = ingest_text(editor, ARTICLE)
    assert result.created
    source = result.source
    assert source.body == ARTICLE  # stored exactly as given
    assert source.title == "Chip race heats up"
    candidates = list(source.candidates.order_by("position"))
    assert len(candidates) >= 5
    for c in candidates:
        assert ARTICLE[c.start_offset : c.end_offset] == c.text
        assert 0.0 <= c.score <= 1.0
    by_text = {c.text: c for c in candidates}
    figure = by_text[
        "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference "
        "performance, analysts at DeepSeek said on Monday."
    ]
    assert figure.score > by_text["Thank you for reading."].score
    assert any(r.startswith("a figure: 60") for r in figure.reasons)


def test_a_second_ingest_of_the_same_content_finds_the_source(editor):
    first = ingest_text(editor, ARTICLE)
    again = ingest_text(editor, "  " + ARTICLE.replace("\n\n", "\n") + "\n")
    assert not again.created
    assert again.source.pk == first.source.pk
    assert Source.objects.count() == 1
    assert Ingest.objects.count() == 1
    assert Candidate.objects.count() == first.source.candidates.count()


def test_a_body_printed_twice_marks_the_repeated_passage(editor):
    source = ingest_text(editor, ARTICLE + "\n" + ARTICLE).source
    candidates = list(source.candidates.order_by("position"))
    half = len(candidates) // 2
    assert all(c.repeat_of_id is None for c in candidates[:half])
    assert [c.repeat_of_id for c in candidates[half:]] == [c.pk for c in candidates[:half]]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: extract.from_text("   \n "), "text"),
        (lambda: extract.from_file("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00"), "file"),
        (lambda: extract.from_file("a.txt", b"x" * (extract.max_bytes() + 1)), "file"),
        (lambda: extract.from_file("a.pdf", b"%PDF-1.4"), "file"),
        (
            lambda: extract.from_html("<html><body><script>var x = 1;</script></body></html>"),
            "html",
        ),
    ],
)
def test_bad_input_is_refused_with_its_field(db, make, field):
    with pytest.raises(ValidationError) as caught:
        make()
    assert field in caught.value.message_dict
    assert not Source.objects.exists()


def test_html_is_reduced_to_article_text_with_its_metadata(editor):
    paragraph = (
        "The city council approved a budget of $3.5bn on Tuesday, up 4% from last year, "
        "the mayor's office said in a statement. "
    )
    page = (
        "<html><head><title>Council passes budget</title>"
        '<meta name="author" content="Ana Diaz"></head><body><nav>Home | News</nav>'
        f"<article><h1>Council passes budget</h1><p>{paragraph * 3}</p>"
        f"<p>{paragraph.replace('Tuesday', 'Friday') * 2}</p></article>"
        "<footer>© 2025</footer></body></html>"
    )
    found = extract.from_html(page)
    assert "approved a budget of $3.5bn" in found.body
    assert "Home | News" not in found.body
    assert found.title == "Council passes budget"
    assert found.author == "Ana Diaz"


def test_someone_without_a_desk_role_cannot_ingest(publisher):
    with pytest.raises(PermissionDenied):
        ingest_text(publisher, ARTICLE)
    assert not Source.objects.exists()


def test_a_sentence_repeating_a_desk_claim_is_matched_and_becomes_its_appearance(
    editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_create(actor=editor, text=ORIGINAL)
    source = ingest_text(editor, ARTICLE).source
    candidate = source.candidates.get(text__startswith="Huawei's Ascend 910C chip")
    assert [m["claim_id"] for m in candidate.matches] == [claim.pk]
    assert candidate.matches[0]["label"] == "repeat"

    decided = candidate_accept_as_appearance(actor=editor, candidate=candidate, claim=claim)
    assert decided.status == CandidateStatus.ACCEPTED
    assert Claim.objects.count() == 1  # no duplicate claim
    appearance = Appearance.objects.get(claim=claim, source=source)
    assert appearance.quote == candidate.text
    assert (appearance.start_offset, appearance.end_offset) == (
        candidate.start_offset,
        candidate.end_offset,
    )
    assert appearance.checkworthiness == pytest.approx(candidate.score)
    with pytest.raises(ValidationError):  # decided once
        candidate_reject(actor=editor, candidate=candidate, reason="changed my mind")


def test_accept_with_edited_wording_keeps_the_quote_exact(editor):
    source = ingest_text(editor, ARTICLE).source
    candidate = source.candidates.get(text__startswith="The U.S. has restricted")
    candidate_accept(
        actor=editor, candidate=candidate, text="The US has restricted chip exports since 2022."
    )
    claim = Claim.objects.get()
    assert claim.text == "The US has restricted chip exports since 2022."
    appearance = claim.appearances.get()
    assert appearance.quote == "The U.S. has restricted exports since 2022."
    assert source.body[appearance.start_offset : appearance.end_offset] == appearance.quote


def test_reject_needs_a_reason_and_remembers_it(editor):
    candidate = ingest_text(editor, ARTICLE).source.candidates.get(text="Thank you for reading.")
    with pytest.raises(ValidationError):
        candidate_reject(actor=editor, candidate=candidate, reason="  ")
    candidate_reject(actor=editor, candidate=candidate, reason="Not a claim")
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reject_reason) == (CandidateStatus.REJECTED, "Not a claim")
