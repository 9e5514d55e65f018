"""Webhook signing secrets at rest: encrypted in the database, usable for signing, rotatable."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from standardwebhooks import Webhook

from publishing.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from publishing.tasks import deliver_due_webhooks
from publishing.webhook_secrets import decrypt_secret, derive_key
from publishing.webhooks import new_secret
from tests.api.webhook_helpers import Receiver, make_due, publish, register

KEY_1 = Fernet.generate_key().decode()
KEY_2 = Fernet.generate_key().decode()


@pytest.fixture
def receiver(settings):
    # Through pytest-django's ``settings`` like the tests' own changes: mixing it with
    # override_settings would restore them out of order and leak one into later tests.
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()


def stored_secret(endpoint_id: int) -> str:
    """The column's value as the database holds it, read without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT encrypted_secret FROM reviews_webhookendpoint WHERE id = %s", [endpoint_id]
        )
        return str(cursor.fetchone()[0])


def verify_last_delivery(receiver, secret):
    headers, body = receiver.delivered()[-1]
    return Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})


def test_the_database_holds_only_ciphertext(
    publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    created = register(publisher_client, receiver.url)
    raw = stored_secret(created["id"])
    secret_body = created["secret"].removeprefix("whsec_")
    assert secret_body not in raw and "whsec_" not in raw
    assert raw.startswith("gAAAAA")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reviews_historicalwebhookendpoint")
        assert secret_body not in repr(cursor.fetchall())
    publish(editor, django_capture_on_commit_callbacks)
    assert verify_last_delivery(receiver, created["secret"])["type"] == "claimreview.published"


def test_the_database_refuses_a_plain_secret(publisher):
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEndpoint.objects.create(
            user=publisher,
            url="https://93.184.215.14/hook",
            events="claimreview.published",
            encrypted_secret=new_secret(),
        )


def test_the_admin_shows_neither_the_secret_nor_its_ciphertext(editor_client, publisher_client):
    created = register(publisher_client, "https://93.184.215.14/hook")
    raw = stored_secret(created["id"])
    page = editor_client.get(
        reverse("admin:publishing_webhookendpoint_change", args=[created["id"]])
    )
    assert page.status_code == 200 and b"93.184.215.14" in page.content
    assert raw.encode() not in page.content
    assert created["secret"].encode() not in page.content


def test_without_configured_keys_the_key_derives_from_secret_key_and_survives_its_rotation(
    settings, publisher_client
):
    settings.WEBHOOK_SECRET_KEYS = []
    created = register(publisher_client, "https://93.184.215.14/hook")
    raw = stored_secret(created["id"])
    assert (
        Fernet(derive_key(settings.SECRET_KEY)).decrypt(raw.encode()).decode()
        == (created["secret"])
    )
    # Django's way of rotating SECRET_KEY: the old one moves to the fallbacks.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test"
    assert decrypt_secret(raw) == created["secret"]


def test_keys_rotate_without_losing_a_delivery(
    settings, publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_SECRET_KEYS = [KEY_1]
    created = register(publisher_client, receiver.url)
    before = stored_secret(created["id"])
    assert Fernet(KEY_1).decrypt(before.encode()).decode() == created["secret"]

    # A new key goes first; the old one still decrypts the rows it encrypted.
    settings.WEBHOOK_SECRET_KEYS = [KEY_2, KEY_1]
    publish(editor, django_capture_on_commit_callbacks)
    verify_last_delivery(receiver, created["secret"])

    out = io.StringIO()
    call_command("rotate_webhook_secrets", stdout=out)
    assert "1 webhook endpoint" in out.getvalue()
    after = stored_secret(created["id"])
    assert after != before
    assert Fernet(KEY_2).decrypt(after.encode()).decode() == created["secret"]

    # The old key (and the one derived from SECRET_KEY) can go: deliveries still verify.
    settings.WEBHOOK_SECRET_KEYS = [KEY_2]
    settings.SECRET_KEY = "another-secret-key-so-no-derived-key-fits"
    publish(editor, django_capture_on_commit_callbacks)
    assert len(receiver.delivered()) == 2
    verify_last_delivery(receiver, created["secret"])


def test_a_secret_no_key_decrypts_is_retried_not_sent_unsigned(
    settings, publisher_client, editor, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_SECRET_KEYS = [KEY_1]
    created = register(publisher_client, receiver.url)
    settings.WEBHOOK_SECRET_KEYS = [KEY_2]  # KEY_1 dropped before re-encrypting: a mistake
    settings.SECRET_KEY = "not-the-key-the-secret-was-derived-from"
    publish(editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.PENDING and "decrypts" in delivery.last_error
    settings.WEBHOOK_SECRET_KEYS = [KEY_2, KEY_1]  # the key is put back
    make_due()
    deliver_due_webhooks()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    verify_last_delivery(receiver, created["secret"])


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_secrets_and_reverses(publisher):
    executor = MigrationExecutor(connection)
    before, after = (
        [("reviews", "0006_api_list_indexes")],
        [("reviews", "0007_webhook_secret_encrypted")],
    )
    try:
        executor.migrate(before)
        old_model = executor.loader.project_state(before).apps.get_model(
            "reviews", "WebhookEndpoint"
        )
        secret = new_secret()
        row = old_model.objects.create(
            user_id=publisher.pk,
            url="https://93.184.215.14/hook",
            events="claimreview.published",
            secret=secret,
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        raw = stored_secret(row.pk)
        assert raw.startswith("gAAAAA") and decrypt_secret(raw) == secret

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret FROM reviews_webhookendpoint WHERE id = %s", [row.pk])
            assert cursor.fetchone()[0] == secret
    finally:
        # Back to the latest state of every app: going back to reviews 0006 also unapplied
        # every later migration that depends on it, in claims and in the apps above.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_rotating_with_no_key_that_decrypts_is_a_one_line_error(settings, publisher_client):
    settings.WEBHOOK_SECRET_KEYS = [KEY_1]
    readable = register(publisher_client, "https://93.184.215.14/a")
    settings.WEBHOOK_SECRET_KEYS = [KEY_2]
    lost = register(publisher_client, "https://93.184.215.14/b")  # encrypted under KEY_2
    settings.WEBHOOK_SECRET_KEYS = [Fernet.generate_key().decode()]  # KEY_1 and KEY_2 dropped
    settings.SECRET_KEY = "not-the-key-any-secret-was-derived-from"
    before = {row["id"]: stored_secret(row["id"]) for row in (readable, lost)}

    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("rotate_webhook_secrets", stdout=out)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"2 webhook endpoint(s) ({readable['id']}, {lost['id']}) have a")
    assert "add back the key they were encrypted with" in message
    assert "Re-encrypted the secrets of 0 webhook endpoint(s)." in out.getvalue()
    # Nothing was touched: putting the keys back makes both readable again.
    assert {row["id"]: stored_secret(row["id"]) for row in (readable, lost)} == before
    settings.WEBHOOK_SECRET_KEYS = [KEY_2, KEY_1]
    call_command("rotate_webhook_secrets", stdout=out)
    assert Fernet(KEY_2).decrypt(stored_secret(lost["id"]).encode()).decode() == lost["secret"]
