"""The list endpoints build reviews and feed entries as plain dicts; they must say exactly what
the serializers (which the OpenAPI schema describes) say for the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Prefetch
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from claims.models import Appearance, Claim
from publishing.api.claims.serializers import ClaimSerializer
from publishing.api.serializers import (
    ClaimReviewJSONLDSerializer,
    ClaimReviewSerializer,
    ReviewChangeSerializer,
)
from publishing.api.sources.serializers import SourceSerializer
from publishing.models import ReviewChange
from reviews.models import ChangeKind, Evidence, Rating, Verdict
from reviews.services import verdict_correct, verdict_retract
from sources.models import Source
from tests.api.conftest import client_for, issue_token, make_review
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    PublishedVerdictFactory,
    SourceFactory,
    VerdictFactory,
)

LIST = "/api/v1/claim-reviews/"


def prefetched_verdicts():
    return (
        Verdict.objects.select_related("claim__claimant")
        .prefetch_related(
            "claim__tags",
            Prefetch("claim__appearances", queryset=Appearance.objects.select_related("source")),
            Prefetch("evidence", queryset=Evidence.objects.select_related("source")),
        )
        .order_by("-published_at", "-id")
    )


def serializer_context():
    # The test client's host, so absolute URLs come out the same.
    return {"request": Request(APIRequestFactory().get("/"))}


@pytest.fixture
def varied_reviews(editor):
    """Reviews covering every branch of the representation: with and without a claimant, tags,
    appearances, evidence, dates, a correction, an unrated label, speakers and source authors."""
    plain = make_review(tags=("health", "economy"), appearances=2, evidence=2)
    anonymous = make_review(tags=(), appearances=0, evidence=0, rating=Rating.SATIRE)
    anonymous.claim.claimant = None
    anonymous.claim.claim_date = dt.date(2024, 2, 29)
    anonymous.claim.save()
    spoken = PublishedVerdictFactory(claim__claimant=None, rating=Rating.FALSE)
    AppearanceFactory(
        claim=spoken.claim,
        source=SourceFactory(published_on=None, url="", outlet="", author="A. Writer"),
        appeared_on=None,
        speaker="",
    )
    AppearanceFactory(
        claim=spoken.claim,
        source=SourceFactory(published_on=dt.date(2023, 1, 5), author="B. Writer"),
        appeared_on=dt.date(2023, 1, 9),
        speaker="A Speaker",
        quote="Said on the radio.",
    )
    authored = PublishedVerdictFactory(claim__claimant=None, rating=Rating.OPINION)
    AppearanceFactory(
        claim=authored.claim,
        source=SourceFactory(published_on=None, outlet="", author="C. Writer"),
    )
    outlet_only = PublishedVerdictFactory(claim__claimant=None)
    AppearanceFactory(claim=outlet_only.claim, source=SourceFactory(published_on=None))
    corrected = make_review(appearances=1, evidence=1)
    verdict_correct(actor=editor, verdict=corrected, note="Fixed a figure.", rating=Rating.FALSE)
    return [plain, anonymous, spoken, authored, outlet_only, corrected]


def test_list_rows_match_the_serializer(publisher, varied_reviews):
    client = client_for(issue_token(publisher))
    body = client.get(LIST).json()["results"]
    expected = ClaimReviewSerializer(
        prefetched_verdicts(), many=True, context=serializer_context()
    ).data
    assert len(body) == len(varied_reviews)
    assert body == [dict(row) for row in expected]


def test_detail_matches_the_serializer(publisher, varied_reviews):
    client = client_for(issue_token(publisher))
    for verdict in prefetched_verdicts():
        body = client.get(f"{LIST}{verdict.pk}/").json()
        assert body == ClaimReviewSerializer(verdict, context=serializer_context()).data


def test_jsonld_rows_match_the_serializer(publisher, varied_reviews):
    client = client_for(issue_token(publisher))
    body = client.get(LIST, {"format": "jsonld"}).json()["results"]
    expected = ClaimReviewJSONLDSerializer(
        prefetched_verdicts(), many=True, context=serializer_context()
    ).data
    assert len(body) == len(varied_reviews)
    assert body == list(expected)
    authors = [doc["itemReviewed"].get("author") for doc in body]
    assert {"@type": "Person", "name": "A Speaker"} in authors
    assert {"@type": "Person", "name": "C. Writer"} in authors
    assert any("correction" in doc for doc in body)


@override_settings(CLAIMREVIEW_URL_TEMPLATE="https://factcheck.example.org/reviews/{id}")
def test_configured_review_urls_match_the_serializer(publisher, varied_reviews):
    client = client_for(issue_token(publisher))
    body = client.get(LIST).json()["results"]
    expected = ClaimReviewSerializer(prefetched_verdicts(), many=True, context={}).data
    assert [row["url"] for row in body] == [row["url"] for row in expected]
    assert body[0]["url"] == f"https://factcheck.example.org/reviews/{body[0]['id']}"


def test_feed_entries_match_the_serializer(editor, publisher, varied_reviews):
    for verdict in varied_reviews:
        ReviewChange.objects.create(verdict=verdict, kind=ChangeKind.PUBLISHED, version=1)
    retracted = varied_reviews[0]
    verdict_retract(actor=editor, verdict=retracted, reason="The source was forged.")
    ReviewChange.objects.create(verdict=varied_reviews[1], kind=ChangeKind.CORRECTED, version=2)
    client = client_for(issue_token(publisher))
    body = client.get("/api/v1/changes/").json()["results"]
    changes = ReviewChange.objects.select_related("verdict__claim__claimant").prefetch_related(
        "verdict__claim__tags",
        Prefetch(
            "verdict__claim__appearances", queryset=Appearance.objects.select_related("source")
        ),
        Prefetch("verdict__evidence", queryset=Evidence.objects.select_related("source")),
    )
    expected = ReviewChangeSerializer(
        changes.order_by("id"), many=True, context=serializer_context()
    ).data
    assert len(body) == ReviewChange.objects.count() >= len(varied_reviews) + 2
    assert body == [dict(row) for row in expected]
    tombstones = [entry for entry in body if entry["event"] == ChangeKind.RETRACTED]
    assert tombstones and tombstones[0]["retraction_reason"] == "The source was forged."
    assert all(
        entry["claim_review"] is None for entry in body if entry["claim_review_id"] == retracted.pk
    )


@pytest.mark.parametrize("persona", ["editor", "publisher"])
def test_claims_list_rows_match_the_serializer(request, persona, varied_reviews):
    # Claims without any verdict, with a draft only, and without a claimant, besides reviews.
    ClaimFactory(claimant=None, claim_date=dt.date(2025, 1, 2))
    VerdictFactory(claim=AppearanceFactory().claim)
    client = client_for(issue_token(request.getfixturevalue(persona)))
    body = client.get("/api/v1/claims/", {"page_size": 100}).json()["results"]
    ids = [row["id"] for row in body]
    claims = Claim.objects.select_related("claimant").prefetch_related(
        "tags",
        Prefetch("appearances", queryset=Appearance.objects.select_related("source")),
        Prefetch(
            "verdicts",
            queryset=Verdict.objects.filter(state="published"),
            to_attr="published_verdicts",
        ),
    )
    by_id = {claim.pk: claim for claim in claims.filter(pk__in=ids)}
    expected = ClaimSerializer(
        [by_id[pk] for pk in ids], many=True, context=serializer_context()
    ).data
    assert len(body) == (len(varied_reviews) + 2 if persona == "editor" else len(varied_reviews))
    assert body == [dict(row) for row in expected]
    assert sum(row["verdict"] is None for row in body) == (2 if persona == "editor" else 0)


@pytest.mark.parametrize("persona", ["editor", "publisher"])
def test_sources_list_rows_match_the_serializer(request, persona, varied_reviews):
    SourceFactory(published_on=None, author="Someone", body="Full text the list never shows.")
    client = client_for(issue_token(request.getfixturevalue(persona)))
    body = client.get("/api/v1/sources/", {"page_size": 100}).json()["results"]
    by_id = Source.objects.in_bulk([row["id"] for row in body])
    expected = SourceSerializer([by_id[row["id"]] for row in body], many=True).data
    assert len(body) == Source.objects.count() - (1 if persona == "publisher" else 0) > 5
    assert body == [dict(row) for row in expected]
