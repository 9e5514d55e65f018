"""Writes for publisher webhooks: endpoints, the delivery outbox, attempts and secret rotation.

``publishing.services`` calls :func:`enqueue_deliveries` when the change feed grows, and
``publishing.tasks`` calls :func:`webhook_deliver`; this module imports neither back: it
enqueues the delivery task by its name (:func:`_send_later`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimdesk.audit import save_audited
from claimdesk.permissions import Action, Actor, acting_user, check
from publishing.models import (
    DeliveryStatus,
    ReviewChange,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from reviews.models import ChangeKind

log = logging.getLogger(__name__)

DELIVER_TASK = "publishing.tasks.deliver_webhook"

# While one attempt is in flight its delivery is leased (pushed into the future) so the sweep
# does not start a second attempt of it in parallel.
DELIVERY_LEASE = dt.timedelta(minutes=2)


def _send_later(delivery_id: int) -> None:
    """Enqueue one delivery attempt. The task is looked up by name (the app registers it at
    start-up) so that the task module stays the top of the stack: it calls this module, never
    the other way round. A lost message is not lost work: the sweep sends due deliveries."""
    current_app.tasks[DELIVER_TASK].delay(delivery_id)


def enqueue_deliveries(change: ReviewChange) -> list[WebhookDelivery]:
    """The outbox: one delivery per subscribed endpoint, in the change's own transaction, sent
    once that commits (and by the periodic sweep should the message be lost)."""
    from publishing.api.events import event_payload
    from publishing.webhooks import new_msg_id

    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(disabled_at__isnull=True)
        if change.kind in e.event_set
    ]
    if not endpoints:
        return []
    payload = event_payload(change)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                change=change,
                msg_id=new_msg_id(),
                event=change.kind,
                payload=payload,
                next_attempt_at=change.created_at,
            )
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        transaction.on_commit(functools.partial(_send_later, delivery.pk))
    return deliveries


@transaction.atomic
def webhook_endpoint_create(
    *, actor: Actor, url: str, events: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Register a URL for change events; returns the endpoint and its signing secret, which is
    stored only encrypted and must be shown to the publisher now."""
    from publishing.webhook_secrets import encrypt_secret
    from publishing.webhooks import UnsafeTarget, check_target, new_secret

    check(actor, Action.WEBHOOK_MANAGE)
    user = acting_user(actor)
    if user is None:
        raise ValidationError({"user": "A webhook endpoint belongs to a signed-in user."})
    wanted = set(events)
    if not wanted or wanted - set(ChangeKind.values):
        raise ValidationError({"events": f"Choose from {', '.join(ChangeKind.values)}."})
    try:
        check_target(url)
    except UnsafeTarget as exc:
        raise ValidationError({"url": str(exc)}) from None
    secret = new_secret()
    endpoint = WebhookEndpoint(
        user=user,
        url=url.strip(),
        events=",".join(sorted(wanted)),
        encrypted_secret=encrypt_secret(secret),
    )
    save_audited(endpoint, actor=actor, reason="Webhook endpoint registered")
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    check(actor, Action.WEBHOOK_MANAGE, endpoint)
    endpoint._history_user = acting_user(actor)  # type: ignore[attr-defined]
    endpoint._change_reason = "Webhook endpoint removed"  # type: ignore[attr-defined]
    endpoint.delete()


@dataclass(frozen=True)
class SecretRotation:
    """What ``webhook_secrets_reencrypt`` did: rows re-encrypted, and rows no key decrypts."""

    changed: int
    unreadable: list[int]


def webhook_secrets_reencrypt() -> SecretRotation:
    """Re-encrypt every endpoint's secret under the first WEBHOOK_SECRET_KEYS key, so that
    older keys can then be dropped.

    An endpoint whose secret no configured key decrypts is left as it is and reported (its
    key was dropped too early; putting it back makes the secret readable again). System
    maintenance (``manage.py rotate_webhook_secrets``), so there is no actor to check; the
    history table never holds the secret, so the log line is the record.
    """
    from publishing.webhook_secrets import SecretUnreadable, reencrypt_secret

    changed = 0
    unreadable: list[int] = []
    # One short transaction per row: endpoints are few, and deliveries keep reading them.
    for pk in WebhookEndpoint.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            row = (
                WebhookEndpoint.objects.select_for_update()
                .only("encrypted_secret")
                .filter(pk=pk)
                .first()
            )
            if row is None:  # deleted meanwhile
                continue
            try:
                token = reencrypt_secret(row.encrypted_secret)
            except SecretUnreadable:
                unreadable.append(pk)
                continue
            WebhookEndpoint.objects.filter(pk=pk).update(encrypted_secret=token)
            changed += 1
    log.info(
        "webhook secrets re-encrypted under the current key: %d endpoint(s), %d unreadable",
        changed,
        len(unreadable),
    )
    return SecretRotation(changed=changed, unreadable=unreadable)


@transaction.atomic
def webhook_delivery_replay(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same ``webhook-id``), with a fresh retry schedule."""

    check(actor, Action.WEBHOOK_REPLAY, delivery)
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    locked.status = DeliveryStatus.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(functools.partial(_send_later, locked.pk))
    return locked


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """Send one attempt: (status code or None, error, whether the failure is permanent)."""
    import httpx

    from publishing.webhook_secrets import SecretUnreadable, decrypt_secret
    from publishing.webhooks import (
        UnresolvedTarget,
        UnsafeTarget,
        post_pinned,
        resolve_target,
        sign,
    )

    if endpoint.disabled_at is not None:
        return None, f"Endpoint disabled: {endpoint.disabled_reason}", True
    try:
        target = resolve_target(endpoint.url)
    except UnresolvedTarget as exc:
        return None, str(exc), False  # DNS may come back
    except UnsafeTarget as exc:
        return None, f"Refused: {exc}", True
    try:
        secret = decrypt_secret(endpoint.encrypted_secret)
    except SecretUnreadable as exc:
        # A configuration mistake (a key dropped too early): retry, so that restoring the key
        # delivers everything.
        return None, str(exc), False
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    headers = sign(secret, delivery.msg_id, timezone.now(), body)
    try:
        code = post_pinned(
            target, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], False
    if 300 <= code < 400:
        # The redirect target was never checked, so it is not followed: a failed attempt.
        return code, "Redirect not followed: answer with 2xx at the registered URL.", False
    return code, "", False


def webhook_deliver(*, delivery_id: int) -> str | None:
    """Make one attempt at a due delivery; returns its status after, or None if it was not due
    (gone, finished, leased by another worker, or waiting for its next retry)."""
    from publishing.webhooks import MAX_ATTEMPTS, retry_delay

    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + DELIVERY_LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    started = time.perf_counter()
    code, error, permanent = _attempt(endpoint, delivery)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=code,
            error=error,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error
        if code is not None and 200 <= code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
        elif code == 410:
            # The receiver says the endpoint is gone for good: stop sending to it.
            delivery.status = DeliveryStatus.FAILED
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                disabled_at=timezone.now(), disabled_reason="The receiver answered 410 Gone."
            )
        elif permanent or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
        delivery.save()
    return delivery.status


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Ids of pending deliveries whose next attempt is due (for the periodic sweep)."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
