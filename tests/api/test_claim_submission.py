"""POST /api/v1/claims/: publishers send claims to triage; retries never create duplicates."""

from __future__ import annotations

import pytest

from claims.models import ApiSubmission, Claim, ClaimStatus
from sources.models import Source
from tests.api.conftest import client_for, issue_token, make_review
from tests.factories import FlagFactory

URL = "/api/v1/claims/"


def submit(client, headers=None, **body):
    payload = {"text": "Half the city's buses run on hydrogen.", "source_url": "https://e.org/b"}
    payload.update(body)
    return client.post(URL, payload, format="json", headers=headers or {})


def test_a_submission_creates_a_claim_in_triage(publisher_client, publisher):
    response = submit(publisher_client, claimant="Transit Authority")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "triage" and body["analysis_state"] in ("pending", "done")
    assert body["claimant"]["name"] == "Transit Authority"
    assert body["appearances"][0]["source"]["url"] == "https://e.org/b"
    assert body["verdict"] is None and body["matches"] == []
    assert response["Location"].endswith(f"/api/v1/claims/{body['id']}/")
    claim = Claim.objects.get(pk=body["id"])
    assert claim.status == ClaimStatus.TRIAGE and claim.created_by == publisher
    assert claim.history.filter(history_user=publisher).exists()


def test_the_same_text_and_url_again_returns_the_first_claim(publisher_client):
    first = submit(publisher_client)
    again = submit(
        publisher_client,
        text="  Half the city's   buses run on hydrogen. ",
        source_url="https://E.org/b/?utm_source=x",
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Claim.objects.count() == 1 and Source.objects.count() == 1


def test_another_publisher_sending_the_same_claim_gets_it_too(publisher_client, other_publisher):
    first = submit(publisher_client).json()["id"]
    theirs = client_for(issue_token(other_publisher))
    response = submit(theirs)
    assert response.status_code == 200 and response.json()["id"] == first
    assert theirs.get(f"{URL}{first}/").status_code == 200


def test_an_idempotency_key_replays_the_first_answer(publisher_client):
    key = {"Idempotency-Key": "order-7781"}
    first = submit(publisher_client, headers=key)
    # A retry of the same request, even if the client re-built the body differently.
    retry = submit(publisher_client, headers=key, text="Something else entirely, said twice.")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert Claim.objects.count() == 1
    assert ApiSubmission.objects.filter(idempotency_key="order-7781").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"source_url": "ftp://e.org/file"}, "source_url"),
        ({"source_url": "not a url"}, "source_url"),
        ({"source_url": ""}, "source_url"),
        ({"source_url": "https://e.org/" + "p" * 2000}, "source_url"),
        ({"claimant": "c" * 201}, "claimant"),
        ({"language": "x" * 17}, "language"),
        ({"text": None}, "text"),
        ({"text": ["a list"]}, "text"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(publisher_client, body, field):
    response = submit(publisher_client, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Claim.objects.count() == 0


def test_a_body_that_is_not_json_is_a_400(publisher_client):
    response = publisher_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_later_gets_show_matches_and_an_existing_verdict(publisher_client, publisher):
    checked = make_review()
    submitted = submit(publisher_client).json()["id"]
    FlagFactory(claim_a=checked.claim, claim_b=Claim.objects.get(pk=submitted))
    unpublished_match = FlagFactory(claim_a=Claim.objects.get(pk=submitted))
    body = publisher_client.get(f"{URL}{submitted}/").json()
    assert body["matches"] == [
        {
            "kind": "repeat",
            "status": "open",
            "score": 0.9,
            "claim": checked.claim_id,
            "rating": "mostly_true",
        }
    ]
    assert unpublished_match.claim_b_id not in {m["claim"] for m in body["matches"]}
    published = publisher_client.get(f"{URL}{checked.claim_id}/").json()
    assert published["verdict"]["rating"] == "mostly_true"
    assert published["verdict"]["claim_review"].endswith(f"/claim-reviews/{checked.pk}/")
