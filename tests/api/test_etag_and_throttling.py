"""Conditional GETs (ETag / If-None-Match → 304) and per-token rate limits (429 + Retry-After)."""

from __future__ import annotations

from django.test import override_settings
from rest_framework.settings import api_settings

from reviews.models import Rating, Verdict
from tests.api.conftest import client_for, issue_token

LIST = "/api/v1/claim-reviews/"


def test_get_carries_an_etag_and_a_matching_if_none_match_gets_304(publisher_client, review):
    first = publisher_client.get(LIST)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    assert "private" in first["Cache-Control"]
    assert {"Accept", "Authorization"} <= {v.strip() for v in first["Vary"].split(",")}
    again = publisher_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_the_etag_changes_when_the_data_does(publisher_client, review):
    etag = publisher_client.get(LIST)["ETag"]
    Verdict.objects.filter(pk=review.pk).update(rating=Rating.FALSE)
    changed = publisher_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_json_and_jsonld_have_different_etags(publisher_client, review):
    plain = publisher_client.get(f"{LIST}{review.pk}/")["ETag"]
    linked = publisher_client.get(f"{LIST}{review.pk}/", {"format": "jsonld"})["ETag"]
    assert plain != linked


def test_errors_have_no_etag(publisher_client, db):
    response = publisher_client.get(f"{LIST}999999/")
    assert response.status_code == 404 and not response.has_header("ETag")


def rates(**overrides):
    return {**api_settings.DEFAULT_THROTTLE_RATES, **overrides}


def test_each_token_has_its_own_budget_and_429_says_when_to_retry(publisher, review):
    from django.conf import settings

    limited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates(api="3/minute")}
    with override_settings(REST_FRAMEWORK=limited):
        first = client_for(issue_token(publisher))
        second = client_for(issue_token(publisher))
        assert [first.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
        refused = first.get(LIST)
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 60
        assert second.get(LIST).status_code == 200


def test_submissions_have_a_smaller_budget(publisher):
    from django.conf import settings

    limited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates(submit="2/hour")}
    with override_settings(REST_FRAMEWORK=limited):
        client = client_for(issue_token(publisher))
        codes = [
            client.post(
                "/api/v1/claims/",
                {"text": f"Claim number {i} about tides.", "source_url": "https://e.org/x"},
                format="json",
            ).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]
        assert client.get("/api/v1/claims/").status_code == 200
