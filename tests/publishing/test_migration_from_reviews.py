"""A database from before the publishing app (tokens, webhooks, deliveries and the change feed
in the reviews app) migrates in place and keeps working: same rows, same tables, same
permissions, nothing copied."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from claims import roles
from claims.models import ApiSubmission
from publishing.models import ApiToken, ReviewChange, WebhookDelivery, WebhookEndpoint
from publishing.webhook_secrets import encrypt_secret
from publishing.webhook_services import webhook_deliver
from publishing.webhooks import new_secret
from tests.api.webhook_helpers import Receiver
from tests.factories import ClaimFactory, PublishedVerdictFactory, UserFactory

BEFORE = [
    ("reviews", "0008_api_rating_index"),
    ("claims", "0008_drop_term_index"),
    ("publishing", None),
]
MOVED = {
    "publishing": [
        "apitoken",
        "historicalapitoken",
        "reviewchange",
        "webhookendpoint",
        "historicalwebhookendpoint",
        "webhookdelivery",
        "webhookattempt",
    ],
    "claims": ["apisubmission"],
}
TOKEN = "cdk_" + "m" * 43


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _leaves() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_in_the_old_layout_migrates_in_place_and_keeps_working():
    publisher = UserFactory(username="newsroom")
    publisher.groups.add(Group.objects.get(name=roles.PUBLISHERS))
    verdict = PublishedVerdictFactory()
    submitted = ClaimFactory(text="Sent in by the newsroom's app.")
    leaves = _leaves()

    old = _migrate(BEFORE).loader.project_state(BEFORE[:2]).apps
    try:
        # The content types as the old layout had them, with the editors' permissions on them.
        old_ct = old.get_model("contenttypes", "ContentType")
        for label, models in MOVED.items():
            old_ct.objects.filter(app_label=label, model__in=models).update(app_label="reviews")
        add_token = old.get_model("auth", "Permission").objects.get(
            content_type__app_label="reviews", codename="add_apitoken"
        )
        old.get_model("auth", "Group").objects.get(name=roles.EDITORS).permissions.add(add_token.pk)

        now = timezone.now()
        token = old.get_model("reviews", "ApiToken").objects.create(
            user_id=publisher.pk,
            name="Newsroom app",
            prefix=TOKEN[:12],
            token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
            scopes="read,submit",
        )
        old.get_model("reviews", "HistoricalApiToken").objects.create(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            token_hash=token.token_hash,
            scopes=token.scopes,
            created_at=now,
            user_id=publisher.pk,
            history_date=now,
            history_type="+",
        )
        old.get_model("reviews", "ApiSubmission").objects.create(
            user_id=publisher.pk, claim_id=submitted.pk, idempotency_key="order-1"
        )
        change = old.get_model("reviews", "ReviewChange").objects.create(
            verdict_id=verdict.pk, kind="claimreview.published", version=1
        )
        receiver = Receiver()
        secret = new_secret()
        endpoint = old.get_model("reviews", "WebhookEndpoint").objects.create(
            user_id=publisher.pk,
            url=receiver.url,
            events="claimreview.published",
            encrypted_secret=encrypt_secret(secret),
        )
        delivery = old.get_model("reviews", "WebhookDelivery").objects.create(
            endpoint_id=endpoint.pk,
            change_id=change.pk,
            msg_id="msg_oldlayout1",
            event="claimreview.published",
            payload={"type": "claimreview.published", "data": {"id": verdict.pk}},
            next_attempt_at=now - dt.timedelta(seconds=1),
        )
    finally:
        _migrate(leaves)
    ContentType.objects.clear_cache()
    roles.sync_role_permissions()

    # The same rows, now read through the publishing app's models.
    assert ApiToken.objects.get(pk=token.pk).name == "Newsroom app"
    assert ApiToken.history.filter(id=token.pk).count() == 1
    assert ReviewChange.objects.get(pk=change.pk).verdict_id == verdict.pk
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == receiver.url
    assert ApiSubmission.objects.get(idempotency_key="order-1").claim_id == submitted.pk

    # Content types were re-labelled, not duplicated: the editors keep the same permission row.
    assert not ContentType.objects.filter(app_label="reviews", model__in=MOVED["publishing"])
    moved_perm = Permission.objects.get(
        content_type__app_label="publishing", codename="add_apitoken"
    )
    assert moved_perm.pk == add_token.pk
    assert Group.objects.get(name=roles.EDITORS).permissions.filter(pk=moved_perm.pk).exists()

    # The token still authenticates; the change feed and the submitted claim are there.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    feed = client.get("/api/v1/changes/")
    assert feed.status_code == 200
    assert [e["id"] for e in feed.json()["results"]] == [change.pk]
    assert client.get(f"/api/v1/claims/{submitted.pk}/").status_code == 200

    # The pending delivery is sent, signed with the endpoint's secret.
    try:
        with override_settings(WEBHOOKS_ALLOW_PRIVATE=True):
            assert webhook_deliver(delivery_id=delivery.pk) == "delivered"
        (headers, body), *_ = receiver.delivered()
    finally:
        receiver.close()
    assert headers["webhook-id"] == "msg_oldlayout1"
    lowered = {k.lower(): v for k, v in headers.items()}
    Webhook(secret).verify(body, lowered)
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1
