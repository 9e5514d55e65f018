"""claim-reviews/: published verdicts as JSON and as schema.org ClaimReview JSON-LD, filtered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from reviews.models import Rating, Verdict, VerdictState
from reviews.services import verdict_correct
from tests.api.conftest import make_review
from tests.factories import AppearanceFactory, SourceFactory

LIST = "/api/v1/claim-reviews/"


def detail(verdict):
    return f"{LIST}{verdict.pk}/"


def assert_valid_claimreview(doc, *, author_known=True):
    """Google's required and recommended ClaimReview properties, with explicit rating bounds.

    The claim's author is recommended; it can only be sent when the data names one.
    """
    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "ClaimReview"
    assert doc["claimReviewed"].strip() and len(doc["claimReviewed"]) <= 75
    assert doc["url"].startswith(("http://", "https://"))
    rating = doc["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"].strip()
    if "ratingValue" in rating:
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert (rating["worstRating"], rating["bestRating"]) == (1, 5)
    assert doc["author"]["@type"] == "Organization" and doc["author"]["name"]
    dt.date.fromisoformat(doc["datePublished"])
    item = doc["itemReviewed"]
    assert item["@type"] == "Claim"
    if author_known:
        assert item["author"]["@type"] in ("Person", "Organization") and item["author"]["name"]
    dt.date.fromisoformat(item["datePublished"])
    assert item["appearance"] and all(a["@type"] == "CreativeWork" for a in item["appearance"])
    assert item["firstAppearance"] in item["appearance"]


def test_a_review_carries_claim_rating_evidence_and_dates(publisher_client, review):
    body = publisher_client.get(detail(review)).json()
    assert body["claim"]["text"] == review.claim.text
    assert body["claim"]["claimant"]["name"] == review.claim.claimant.name
    assert body["claim"]["tags"] == ["economy"]
    assert len(body["claim"]["appearances"]) == 1
    assert body["claim"]["appearances"][0]["source"]["url"].startswith("https://")
    assert body["rating"] == {"code": "mostly_true", "label": "Mostly true", "value": 4}
    assert body["headline"] == review.headline and body["explanation"] == review.explanation
    assert body["evidence"][0]["stance"] == "refutes"
    assert body["published_at"] and body["updated_at"]
    assert body["correction_note"] == "" and body["corrected_at"] is None


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("accept", {"HTTP_ACCEPT": "application/ld+json"}),
        ("format", {"data": {"format": "jsonld"}}),
    ],
)
def test_jsonld_is_negotiated_by_accept_or_format(publisher_client, review, how, kwargs):
    response = publisher_client.get(detail(review), **kwargs)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    doc = response.json()
    assert_valid_claimreview(doc)
    assert doc["claimReviewed"] == review.headline
    assert doc["itemReviewed"]["text"] == review.claim.text
    assert doc["reviewRating"]["ratingValue"] == 4
    assert "correction" not in doc


def test_first_appearance_is_the_earliest_dated_one(publisher_client, review):
    AppearanceFactory(claim=review.claim, source=SourceFactory(), appeared_on=dt.date(2024, 2, 1))
    AppearanceFactory(claim=review.claim, source=SourceFactory(), appeared_on=dt.date(2023, 7, 9))
    doc = publisher_client.get(detail(review), {"format": "jsonld"}).json()
    assert doc["itemReviewed"]["firstAppearance"]["datePublished"] == "2023-07-09"
    assert doc["itemReviewed"]["datePublished"] == "2023-07-09"
    assert len(doc["itemReviewed"]["appearance"]) == 3


def test_a_corrected_review_says_so(publisher_client, review, editor):
    verdict_correct(actor=editor, verdict=review, note="The figure was for 2024.", rating="false")
    body = publisher_client.get(detail(review)).json()
    assert body["version"] == 2 and body["correction_note"] == "The figure was for 2024."
    doc = publisher_client.get(detail(review), {"format": "jsonld"}).json()
    assert doc["correction"]["@type"] == "CorrectionComment"
    assert doc["correction"]["text"] == "The figure was for 2024."
    assert doc["reviewRating"]["ratingValue"] == 1


def test_unrated_labels_have_no_numeric_rating(publisher_client, db):
    satire = make_review(rating=Rating.SATIRE)
    rating = publisher_client.get(detail(satire), {"format": "jsonld"}).json()["reviewRating"]
    assert rating == {"@type": "Rating", "alternateName": "Satire"}
    assert publisher_client.get(detail(satire)).json()["rating"]["value"] is None


def test_every_seeded_published_verdict_is_valid_claimreview(publisher_client, db):
    call_command("load_seeds", stdout=None)
    published = list(Verdict.objects.filter(state=VerdictState.PUBLISHED).select_related("claim"))
    assert published
    with_author = attributable = 0
    for verdict in published:
        response = publisher_client.get(detail(verdict), HTTP_ACCEPT="application/ld+json")
        assert response.status_code == 200
        claim = verdict.claim
        known = claim.claimant_id is not None or any(
            a.speaker or a.source.author or a.source.outlet for a in claim.appearances.all()
        )
        assert_valid_claimreview(response.json(), author_known=known)
        with_author += "author" in response.json()["itemReviewed"]
        attributable += known
    # Seeds include claims nobody is named for, in an anonymous source: no author to give; the
    # others all carry one.
    assert with_author == attributable > 0


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_filters_narrow_the_list(publisher_client, db):
    a = make_review(rating=Rating.FALSE, tags=("health",))
    a.claim.language = "fr"
    a.claim.text = "Vaccines contain microchips"
    a.claim.save()
    b = make_review(rating=Rating.TRUE, tags=("economy",))
    assert listed(publisher_client, rating="false") == {a.pk}
    assert listed(publisher_client, claimant=b.claim.claimant_id) == {b.pk}
    assert listed(publisher_client, language="fr") == {a.pk}
    assert listed(publisher_client, tag="economy") == {b.pk}
    assert listed(publisher_client, q="microchip") == {a.pk}
    later = timezone.now() + dt.timedelta(seconds=1)
    Verdict.objects.filter(pk=b.pk).update(updated_at=later + dt.timedelta(hours=1))
    assert listed(publisher_client, updated_since=later.isoformat()) == {b.pk}


@pytest.mark.parametrize("value", ["yesterday", "2025-13-40", "1700000000"])
def test_a_bad_updated_since_is_a_field_error(publisher_client, db, value):
    response = publisher_client.get(LIST, {"updated_since": value})
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_an_unknown_rating_is_a_field_error(publisher_client, db):
    response = publisher_client.get(LIST, {"rating": "pants_on_fire"})
    assert response.status_code == 400
    assert "rating" in response.json()


def test_the_list_is_paginated(publisher_client, db):
    for _ in range(5):
        make_review()
    first = publisher_client.get(LIST, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    second = publisher_client.get(first["next"]).json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_any_valid_utc_offset_works_and_off_calendar_values_are_field_errors(
    publisher_client, review
):
    # PostgreSQL refuses offsets beyond ±15:59; the filter converts to UTC first.
    assert listed(publisher_client, updated_since="2000-01-01T00:00:00+17:45") == {review.pk}
    response = publisher_client.get(LIST, {"updated_since": "9999-12-31T23:00:00-05:00"})
    assert response.status_code == 400 and "updated_since" in response.json()
