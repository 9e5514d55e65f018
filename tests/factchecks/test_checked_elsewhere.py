"""Claims that repeat another outlet's fact-check are flagged "checked elsewhere"."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from claims.services import claim_create
from factchecks.models import ExternalMatch, ExternalReview
from factchecks.selectors import claim_checked_elsewhere, claims_with_verdict_conflicts
from factchecks.services import external_reviews_import
from publishing.services import api_token_create
from reviews.models import Rating
from tests.factories import PublishedVerdictFactory

from .conftest import as_stream, claim_review, data_feed

pytestmark = pytest.mark.django_db

FERRY = "The island ferry carried 12,000 passengers on its first day of service in May 2026."
OTHER = "A new cycling bridge over the canal opened three years behind schedule."


def review(n, text, rating=1, site="checks.example.net", name="Example Checks"):
    return claim_review(
        n,
        claimReviewed=text,
        name="",
        author={"@type": "Organization", "name": name, "url": f"https://{site}"},
        url=f"https://{site}/review/{n}",
        reviewRating={
            "ratingValue": rating,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "x",
        },
    )


def load(items, callbacks):
    with callbacks(execute=True):
        return external_reviews_import(actor=None, stream=as_stream(data_feed(items)))


def new_claim(editor, text, callbacks):
    with callbacks(execute=True):
        return claim_create(actor=editor, text=text)


def test_a_new_claim_repeating_a_review_is_checked_elsewhere(
    editor, django_capture_on_commit_callbacks
):
    load([review(1, FERRY), review(2, OTHER)], django_capture_on_commit_callbacks)
    claim = new_claim(
        editor,
        "On its first day of service in May 2026 the island ferry carried 12,000 passengers",
        django_capture_on_commit_callbacks,
    )
    rows = claim_checked_elsewhere(claim.pk)
    assert [r.review.url for r in rows] == ["https://checks.example.net/review/1"]
    assert rows[0].score > 0.5
    unrelated = new_claim(
        editor, "Rents in the old town fell last winter.", django_capture_on_commit_callbacks
    )
    assert claim_checked_elsewhere(unrelated.pk) == []


def test_a_review_imported_after_the_claim_finds_it(editor, django_capture_on_commit_callbacks):
    claim = new_claim(editor, FERRY, django_capture_on_commit_callbacks)
    assert not ExternalMatch.objects.exists()
    load([review(1, FERRY)], django_capture_on_commit_callbacks)
    assert ExternalMatch.objects.filter(claim=claim).count() == 1


def test_a_different_figure_is_not_a_repeat_only_a_lead(editor, django_capture_on_commit_callbacks):
    load([review(1, FERRY), review(2, OTHER)], django_capture_on_commit_callbacks)
    claim = new_claim(
        editor,
        "The island ferry carried 45,000 passengers on its first day of service in May 2026.",
        django_capture_on_commit_callbacks,
    )
    # The outlet checked the same story with another figure: shown, marked as a lead, with
    # the engine's reading of the pair.
    (row,) = claim_checked_elsewhere(claim.pk)
    assert row.method == "lead"
    match = ExternalMatch.objects.get(claim=claim)
    assert "conflict" in match.reasons[0]


def test_a_lead_needs_to_stand_out(editor, django_capture_on_commit_callbacks):
    near = "The island ferry carried 12,000 passengers on its first day of service in June 2025."
    load([review(1, FERRY), review(2, near)], django_capture_on_commit_callbacks)
    claim = new_claim(
        editor,
        "The island ferry carried 45,000 passengers on its first day of service.",
        django_capture_on_commit_callbacks,
    )
    assert [r.method for r in claim_checked_elsewhere(claim.pk)] == []


def test_verdict_conflicts_with_the_desk_and_between_outlets(
    editor, django_capture_on_commit_callbacks
):
    claim = new_claim(editor, FERRY, django_capture_on_commit_callbacks)
    PublishedVerdictFactory(claim=claim, rating=Rating.TRUE)
    load([review(1, FERRY, rating=1)], django_capture_on_commit_callbacks)
    (row,) = claim_checked_elsewhere(claim.pk)
    assert row.conflicts_with_desk and not row.conflicts_with_outlets
    assert list(claims_with_verdict_conflicts()) == [claim]
    load(
        [
            review(1, FERRY, rating=1),
            review(7, FERRY, rating=5, site="other.example", name="Other"),
        ],
        django_capture_on_commit_callbacks,
    )
    rows = claim_checked_elsewhere(claim.pk)
    assert len(rows) == 2 and all(r.conflicts_with_outlets for r in rows)
    assert [r.conflicts_with_desk for r in rows if r.review.normalised_rating == "true"] == [False]


def test_api_matches_show_the_review_best_first(editor, django_capture_on_commit_callbacks):
    cache.clear()
    load([review(1, FERRY), review(2, OTHER)], django_capture_on_commit_callbacks)
    _, token = api_token_create(actor=None, user=editor, name="t", scopes=("read", "submit"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/claims/",
            {"text": FERRY, "source_url": "https://social.example.org/post/1"},
            format="json",
        )
    assert created.status_code == 201, created.content
    body = client.get(f"/api/v1/claims/{created.json()['id']}/").json()
    elsewhere = [m for m in body["matches"] if m["kind"] == "checked_elsewhere"]
    assert elsewhere[0]["review"] == {
        "url": "https://checks.example.net/review/1",
        "publisher": "Example Checks",
        "rating": "x",
        "normalised_rating": "false",
        "date_published": ExternalReview.objects.get(url__endswith="/1").date_published.isoformat(),
        "verdict_conflict": False,
    }


def test_the_admin_claim_page_shows_outlet_and_link(
    editor, client, django_capture_on_commit_callbacks
):
    load([review(1, FERRY)], django_capture_on_commit_callbacks)
    claim = new_claim(editor, FERRY, django_capture_on_commit_callbacks)
    client.force_login(editor)
    page = client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    assert "Example Checks" in page and "https://checks.example.net/review/1" in page


def test_queue_claim_page_shows_the_match_and_uses_it_as_evidence(
    editor, client, django_capture_on_commit_callbacks
):
    from reviews.models import Evidence

    load([review(1, FERRY)], django_capture_on_commit_callbacks)
    claim = new_claim(editor, FERRY, django_capture_on_commit_callbacks)
    client.force_login(editor)
    page = client.get(f"/queue/claims/{claim.pk}/").content.decode()
    assert "Checked elsewhere (1)" in page
    assert "Example Checks" in page and 'href="https://checks.example.net/review/1"' in page
    response = client.post(
        f"/queue/claims/{claim.pk}/evidence/",
        {
            "url": "https://checks.example.net/review/1",
            "title": FERRY,
            "outlet": "Example Checks",
            "stance": "refutes",
            "note": "Fact-check by Example Checks: x",
        },
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.source.url, evidence.stance) == (
        "https://checks.example.net/review/1",
        "refutes",
    )
    assert 'name="stance" value="refutes"' in page
