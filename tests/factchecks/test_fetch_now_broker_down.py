"""The admin's "Fetch now" with the broker down: a clear message, no error page, nothing lost.

Runs against a private ``redis-server`` (``tests/faults.py``) that the test stops.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from factchecks.models import FeedSubscription
from factchecks.selectors import feed_subscriptions_due
from factchecks.services import feed_subscription_create
from publishing.tasks import fetch_feed_subscriptions

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/factchecks/feedsubscription/"


def fetch_now(client, subscription):
    return client.post(
        CHANGELIST,
        {"action": "fetch_now", "_selected_action": [subscription.pk]},
        follow=True,
    )


def not_due(subscription):
    later = timezone.now() + timezone.timedelta(hours=1)
    FeedSubscription.objects.filter(pk=subscription.pk).update(next_check_at=later)


def queued(server) -> int:
    return int(server.client().llen("celery"))


def test_fetch_now_with_the_broker_down_says_so_and_beat_fetches_later(
    editor, client, private_redis
):
    subscription = feed_subscription_create(actor=editor, url="https://feeds.example.org/a.json")
    not_due(subscription)
    client.force_login(editor)
    private_redis.stop()

    page = fetch_now(client, subscription)

    assert page.status_code == 200
    text = page.content.decode()
    assert "The task queue is unreachable, so nothing was fetched now" in text
    assert "will fetch them once the queue is back" in text
    # Nothing lost: the feed is due in the database, so beat's sweep takes it.
    assert subscription.pk in feed_subscriptions_due()

    private_redis.start()
    assert fetch_feed_subscriptions() == 1
    assert queued(private_redis) == 1


def test_fetch_now_with_the_broker_up_enqueues_the_fetch(editor, client, private_redis):
    subscription = feed_subscription_create(actor=editor, url="https://feeds.example.org/b.json")
    not_due(subscription)
    client.force_login(editor)

    text = fetch_now(client, subscription).content.decode()

    assert "Fetch of 1 feed(s) enqueued." in text
    assert queued(private_redis) == 1
