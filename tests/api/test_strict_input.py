"""Bad input gets a clear 4xx in one shape, ``{"field": ["message", ...]}``, never a 500 or an
HTML page; and the answers clients build on (lists, a submission's matches) are uniform."""

from __future__ import annotations

import json

import pytest

from claims.models import Claim
from tests.api.conftest import client_for, issue_token
from tests.api.webhook_helpers import HOOKS, register
from tests.factories import PublishedVerdictFactory

CLAIMS = "/api/v1/claims/"


def submit(client, **fields):
    body = {"text": "The Orvin tunnel is 14 km long.", "source_url": "https://e.org/t", **fields}
    return client.post(CLAIMS, body, format="json")


def assert_error_shape(body):
    assert isinstance(body, dict) and body
    for field, messages in body.items():
        assert isinstance(field, str)
        assert isinstance(messages, list) and messages
        assert all(isinstance(message, str) and message for message in messages)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": 12345}, {"text": ["Must be a string, not int."]}),
        ({"text": True}, {"text": ["Must be a string, not bool."]}),
        ({"text": None}, {"text": ["This field may not be null."]}),
        ({"text": ["a", "b"]}, {"text": ["Must be a string, not list."]}),
        ({"source_url": 7}, {"source_url": ["Must be a string, not int."]}),
        ({"claimant": {"name": "x"}}, {"claimant": ["Must be a string, not dict."]}),
        ({"language": 1}, {"language": ["Must be a string, not int."]}),
        (
            {"language": "english"},
            {"language": ["“english” is not a BCP 47 language tag (for example en, fr, pt-BR)."]},
        ),
        (
            {"language": "en_GB!"},
            {"language": ["“en_GB!” is not a BCP 47 language tag (for example en, fr, pt-BR)."]},
        ),
    ],
)
def test_a_submission_with_a_bad_field_is_a_400_naming_it(publisher_client, fields, expected):
    response = submit(publisher_client, **fields)
    assert response.status_code == 400
    assert response.json() == expected
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("sent", "stored"), [("pt-br", "pt-BR"), ("EN", "en"), ("zh-hant", "zh-Hant")]
)
def test_a_language_tag_is_stored_in_its_standard_form(publisher_client, sent, stored):
    response = submit(publisher_client, language=sent)
    assert response.status_code == 201, response.content
    assert Claim.objects.get(pk=response.json()["id"]).language == stored


def test_a_body_over_the_limit_is_a_json_413_even_in_debug(publisher_client, settings):
    settings.DEBUG = True  # the debug page must not answer either
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    text = "x" * 3000
    response = publisher_client.post(
        CLAIMS,
        json.dumps({"text": text, "source_url": "https://e.org/"}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": ["The request body is over the limit of 2000 bytes."]}
    assert not Claim.objects.exists()


def test_broken_json_is_a_400_in_the_one_shape(publisher_client):
    response = publisher_client.post(CLAIMS, '{"text": ', content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body)
    assert list(body) == ["detail"] and body["detail"][0].startswith("JSON parse error")


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "²", str(2**63)])
def test_a_bad_change_feed_position_is_a_field_error_list(publisher_client, after):
    response = publisher_client.get("/api/v1/changes/", {"after": after})
    assert response.status_code == 400
    assert response.json() == {"after": ["A change id (a whole number, 0 to start)."]}


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/claims/999999999/", 404, "detail"),
        ("/api/v1/no-such-endpoint/", 404, "detail"),
        ("/api/v1/claim-reviews/?updated_since=yesterday", 400, "updated_since"),
        ("/api/v1/claims/?page=0", 404, "detail"),
        ("/api/v1/claim-reviews/?rating=maybe", 400, "rating"),
    ],
)
def test_every_error_has_the_same_shape(publisher_client, url, status, field):
    response = publisher_client.get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert_error_shape(body)
    assert field in body


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_a_json_404_even_in_debug(publisher_client, settings, debug):
    settings.DEBUG = debug
    response = publisher_client.get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"detail": ["No such endpoint."]}
    assert publisher_client.delete("/api/v1/nothing/").json() == {"detail": ["No such endpoint."]}
    # A missing slash is still redirected to the endpoint, not refused.
    assert publisher_client.get("/api/v1/claims").status_code == 301


def test_auth_errors_have_the_same_shape(anonymous_client, publisher):
    assert anonymous_client.get(CLAIMS).json() == {
        "detail": ["Authentication credentials were not provided."]
    }
    reader = client_for(issue_token(publisher, scopes=["read"]))
    assert_error_shape(submit(reader).json())
    assert client_for("cdk_not-a-token").get(CLAIMS).json() == {
        "detail": ["Invalid or revoked token."]
    }


def test_the_webhook_list_is_paginated_like_every_list(publisher_client):
    created = [
        register(publisher_client, f"https://93.184.215.14/hook/{i}")["id"] for i in range(3)
    ]
    first = publisher_client.get(HOOKS, {"page_size": 2}).json()
    assert set(first) == {"next", "previous", "results"}
    assert first["previous"] is None and first["next"] is not None
    second = publisher_client.get(first["next"]).json()
    assert second["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(seen) == sorted(created)
    assert all("secret" not in row for row in first["results"] + second["results"])


@pytest.mark.django_db(transaction=True)
def test_the_submission_reply_has_the_matches_analysis_already_found(publisher):
    # Tasks run eagerly in the tests, so analysis has finished when the reply is built, as
    # with a fast worker.
    client = client_for(issue_token(publisher))
    first = submit(
        client, text="The port of Valmora handled 4.2 million containers in 2019."
    ).json()
    PublishedVerdictFactory(claim=Claim.objects.get(pk=first["id"]), rating="true")

    response = submit(
        client,
        text="In 2019, the port of Valmora handled about 4.2 million containers.",
        source_url="https://other.example.org/port",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["analysis_state"] == "done"
    assert [(m["kind"], m["claim"], m["rating"]) for m in body["matches"]] == [
        ("repeat", first["id"], "true")
    ]
    # The same as a later GET shows.
    assert client.get(f"{CLAIMS}{body['id']}/").json()["matches"] == body["matches"]
