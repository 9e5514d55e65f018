"""Webhooks: registration, the outbox, Standard Webhooks signatures and payloads, retries, 410,
replay."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from publishing.models import DeliveryStatus, ReviewChange, WebhookDelivery, WebhookEndpoint
from publishing.tasks import deliver_due_webhooks
from publishing.webhook_services import enqueue_deliveries
from publishing.webhooks import MAX_ATTEMPTS, retry_delay, retry_schedule
from reviews.models import ChangeKind, VerdictState
from reviews.services import verdict_correct, verdict_publish, verdict_retract
from tests.api.conftest import make_review
from tests.api.webhook_helpers import (
    ALL_EVENTS,
    HOOKS,
    Receiver,
    make_due,
    publish,
    register,
)
from tests.factories import VerdictFactory


@pytest.fixture
def receiver():
    server = Receiver()
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=True):
        yield server
    server.close()


def test_registration_returns_the_secret_once(publisher_client):
    created = register(publisher_client, "https://93.184.215.14/hook")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == sorted(ALL_EVENTS)
    listed = publisher_client.get(HOOKS).json()
    assert listed["next"] is None and listed["previous"] is None
    assert [e["id"] for e in listed["results"]] == [created["id"]]
    assert "secret" not in listed["results"][0]
    assert "secret" not in publisher_client.get(f"{HOOKS}{created['id']}/").json()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://93.184.215.14/hook",
    ],
)
def test_private_and_non_http_targets_are_refused(publisher_client, url):
    response = publisher_client.post(
        HOOKS, {"url": url, "events": ["claimreview.published"]}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()
    assert not WebhookEndpoint.objects.exists()


def test_unknown_events_are_refused(publisher_client):
    response = publisher_client.post(
        HOOKS, {"url": "https://93.184.215.14/h", "events": ["claim.deleted"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"events": ['Item 1: "claim.deleted" is not a valid choice.']}


def test_a_publication_is_delivered_signed_per_standard_webhooks(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(publisher_client, receiver.url)
    (verdict,) = publish(editor, django_capture_on_commit_callbacks)
    ((headers, body),) = receiver.delivered()
    lowered = {k.lower(): v for k, v in headers.items()}
    payload = Webhook(endpoint["secret"]).verify(body, lowered)
    assert payload["type"] == "claimreview.published"
    assert payload["data"]["id"] == verdict.pk
    delivery = WebhookDelivery.objects.get()
    assert lowered["webhook-id"] == delivery.msg_id
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    with pytest.raises(Exception):  # noqa: B017, PT011 - any verification failure
        Webhook("whsec_" + "A" * 44).verify(body, lowered)


def test_an_endpoint_only_gets_the_events_it_asked_for(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    register(publisher_client, receiver.url, events=["claimreview.retracted"])
    (verdict,) = publish(editor, django_capture_on_commit_callbacks)
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        verdict_retract(actor=editor, verdict=verdict, reason="Source withdrawn.")
    ((_, body),) = receiver.delivered()
    assert json.loads(body)["type"] == "claimreview.retracted"


def test_events_sent_while_the_receiver_is_down_all_arrive_later_with_the_same_id(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(publisher_client, receiver.url)
    receiver.answer = 503
    publish(editor, django_capture_on_commit_callbacks, n=3)
    make_due()
    deliver_due_webhooks()  # a retry, still down
    assert len(receiver.received) == 6 and not receiver.delivered()
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert pending.count() == 3 and {d.attempts for d in pending} == {2}
    assert all(d.next_attempt_at > timezone.now() for d in pending)
    deliver_due_webhooks()  # not due yet: nothing is sent
    assert len(receiver.received) == 6
    receiver.answer = 200
    make_due()
    deliver_due_webhooks()
    delivered = receiver.delivered()
    assert len(delivered) == 3
    ids_tried = {}
    for headers, _, _ in receiver.received:
        ids_tried.setdefault(headers["webhook-id"], 0)
        ids_tried[headers["webhook-id"]] += 1
    assert set(ids_tried.values()) == {3}  # each event: two failures, then success, one id
    for headers, body in delivered:
        Webhook(endpoint["secret"]).verify(body, {k.lower(): v for k, v in headers.items()})
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_closed_port_is_retried_not_lost(
    publisher_client, editor, django_capture_on_commit_callbacks
):
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=True):
        down = Receiver()
        url = down.url
        down.close()
        register(publisher_client, url)
        publish(editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "Connect" in delivery.last_error
    assert delivery.tries.count() == 1


def test_410_disables_the_endpoint(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    register(publisher_client, receiver.url)
    receiver.answer = 410
    publish(editor, django_capture_on_commit_callbacks)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.disabled_at is not None
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    receiver.answer = 200
    publish(editor, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1  # no new deliveries to a disabled endpoint


def test_a_delivery_fails_after_the_last_attempt(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    register(publisher_client, receiver.url)
    receiver.answer = 500
    publish(editor, django_capture_on_commit_callbacks)
    for _ in range(MAX_ATTEMPTS + 2):
        make_due()
        deliver_due_webhooks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS


def test_retries_back_off_exponentially_with_jitter_for_about_a_day():
    import random

    rng = random.Random(1)
    assert dt.timedelta(hours=20) <= retry_schedule() <= dt.timedelta(hours=30)
    first = [retry_delay(1, rng) for _ in range(50)]
    assert len(set(first)) > 1  # jittered
    assert all(dt.timedelta(seconds=20) <= d <= dt.timedelta(seconds=40) for d in first)
    assert retry_delay(5, rng) > retry_delay(2, rng) * 4


def test_editors_replay_a_failed_delivery_from_the_admin(
    publisher_client, editor, editor_client, receiver, django_capture_on_commit_callbacks
):
    register(publisher_client, receiver.url)
    receiver.answer = 410
    publish(editor, django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.update(disabled_at=None)
    receiver.answer = 200
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:publishing_webhookdelivery_changelist"),
            {"action": "replay", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    ((headers, _),) = receiver.delivered()
    assert headers["webhook-id"] == delivery.msg_id
    page = editor_client.get(reverse("admin:publishing_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and b"410" in page.content


def test_the_outbox_row_is_written_with_the_change_or_not_at_all(publisher_client, editor):
    register(publisher_client, "https://93.184.215.14/hook")
    verdict = VerdictFactory(state=VerdictState.APPROVED)
    verdict.claim.status = "merged"  # the claim step fails after the change row was written
    verdict.claim.canonical = VerdictFactory().claim
    verdict.claim.save()
    with pytest.raises(Exception):  # noqa: B017, PT011
        verdict_publish(actor=editor, verdict=verdict)
    assert not WebhookDelivery.objects.exists()


def test_deleting_an_endpoint_is_for_its_owner(publisher_client, other_publisher):
    from tests.api.conftest import client_for, issue_token

    created = register(publisher_client, "https://93.184.215.14/hook")
    other = client_for(issue_token(other_publisher, scopes=["read"]))
    assert other.delete(f"{HOOKS}{created['id']}/").status_code == 404
    assert publisher_client.delete(f"{HOOKS}{created['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


# Payloads -------------------------------------------------------------------------------------


def delivered_payloads(receiver, secret):
    """The verified payloads the receiver accepted, in order."""
    return [
        Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
        for headers, body in receiver.delivered()
    ]


@override_settings(SITE_URL="http://testserver")
def test_a_publication_carries_the_review_as_the_api_gives_it_and_its_jsonld_address(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(publisher_client, receiver.url, events=["claimreview.published"])
    verdict = make_review(tags=("health",), appearances=2, evidence=2)
    verdict.state = VerdictState.APPROVED
    verdict.published_at = None
    verdict.save()
    with django_capture_on_commit_callbacks(execute=True):
        verdict_publish(actor=editor, verdict=verdict)
    (payload,) = delivered_payloads(receiver, endpoint["secret"])
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "claimreview.published"
    assert dt.datetime.fromisoformat(payload["timestamp"]) <= timezone.now()
    data = payload["data"]
    jsonld = data.pop("jsonld_url")
    detail = publisher_client.get(f"/api/v1/claim-reviews/{verdict.pk}/").json()
    assert data == detail
    assert len(data["evidence"]) == 2 and len(data["claim"]["appearances"]) == 2
    assert jsonld == f"http://testserver/api/v1/claim-reviews/{verdict.pk}/?format=jsonld"
    claim_review = publisher_client.get(jsonld.removeprefix("http://testserver")).json()
    assert claim_review["@type"] == "ClaimReview"
    assert claim_review["url"] == data["url"]


def test_a_correction_carries_the_new_version(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(publisher_client, receiver.url, events=["claimreview.corrected"])
    (verdict,) = publish(editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        verdict_correct(actor=editor, verdict=verdict, note="Fixed a date.", headline="Revised")
    (payload,) = delivered_payloads(receiver, endpoint["secret"])
    assert payload["type"] == "claimreview.corrected"
    assert payload["data"]["version"] == 2
    assert payload["data"]["headline"] == "Revised"
    assert payload["data"]["correction_note"] == "Fixed a date."


def test_a_retraction_is_a_tombstone(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(publisher_client, receiver.url, events=["claimreview.retracted"])
    (verdict,) = publish(editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        verdict_retract(actor=editor, verdict=verdict, reason="Source withdrawn.")
    (payload,) = delivered_payloads(receiver, endpoint["secret"])
    assert payload["type"] == "claimreview.retracted"
    change = verdict.changes.get(kind="claimreview.retracted")
    assert payload["data"] == {
        "id": verdict.pk,
        "claim_id": verdict.claim_id,
        "version": 1,
        "retracted_at": change.created_at.isoformat(),
        "retraction_reason": "Source withdrawn.",
    }
    assert payload["timestamp"] == payload["data"]["retracted_at"]


def test_the_outbox_costs_the_same_queries_whatever_the_review_or_the_endpoints(
    publisher_client, django_capture_on_commit_callbacks
):
    def outbox_queries(review):
        change = ReviewChange.objects.create(
            verdict=review, kind=ChangeKind.PUBLISHED, version=review.version
        )
        with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as ctx:
            deliveries = enqueue_deliveries(change)
        return len(ctx.captured_queries), len(deliveries)

    register(publisher_client, "https://93.184.215.14/a")
    small = outbox_queries(make_review(tags=(), appearances=1, evidence=1))
    for name in "bc":
        register(publisher_client, f"https://93.184.215.14/{name}")
    large = outbox_queries(make_review(tags=("a", "b", "c"), appearances=5, evidence=5))
    # endpoints, the review with claim and claimant, tags, appearances, evidence, the insert
    assert small == (6, 1)
    assert large == (6, 3)
