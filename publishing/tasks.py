"""Delivery of webhooks: one attempt per message, and the sweep that sends what is due."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from factchecks.selectors import feed_subscriptions_due
from publishing.feeds import feed_fetch
from publishing.webhook_services import webhook_deliver, webhook_deliveries_due

log = logging.getLogger(__name__)


# The HTTP retry schedule (exponential backoff with jitter, about a day) lives on the delivery
# row and is run by the sweep below, so it survives worker restarts and lost messages; the
# decorator only retries database hiccups.
@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt at one delivery; does nothing if it is gone, finished or not yet due."""
    return webhook_deliver(delivery_id=delivery_id)


@shared_task
def deliver_due_webhooks() -> int:
    """Send every delivery whose next attempt is due (retries, and outbox rows whose message
    was lost)."""
    ids = webhook_deliveries_due()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    if ids:
        log.info("webhook sweep enqueued %d delivery(ies)", len(ids))
    return len(ids)


@shared_task(acks_late=True)
def fetch_feed_subscription(subscription_id: int) -> str:
    """Fetch one subscribed ClaimReview feed (conditional GET, through the outbound guard) and
    import it; idempotent: an unchanged feed answers 304 or imports as all unchanged."""
    return feed_fetch(subscription_id=subscription_id)


@shared_task
def fetch_feed_subscriptions() -> int:
    """Beat: enqueue every subscribed feed that is due."""
    ids = feed_subscriptions_due()
    for subscription_id in ids:
        fetch_feed_subscription.delay(subscription_id)
    return len(ids)
