"""Subscribed feeds are fetched with conditional GET through the outbound guard and imported."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from factchecks.models import ExternalReview, FeedSubscription
from factchecks.selectors import feed_subscriptions_due
from factchecks.services import feed_subscription_create
from publishing.tasks import fetch_feed_subscription, fetch_feed_subscriptions

from .conftest import claim_review, data_feed

pytestmark = pytest.mark.django_db


class FeedServer:
    """A local feed that answers 304 to a matching If-None-Match, and records the headers."""

    def __init__(self) -> None:
        self.body = b""
        self.etag = '"v1"'
        self.seen: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.seen.append({k.lower(): v for k, v in self.headers.items()})
                if self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", server.etag)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/feed.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed():
    server = FeedServer()
    yield server
    server.close()


@override_settings(WEBHOOKS_ALLOW_PRIVATE=True)
def test_fetch_imports_then_revalidates_then_picks_up_a_correction(editor, feed):
    feed.body = json.dumps(data_feed([claim_review(1), claim_review(2)])).encode()
    subscription = feed_subscription_create(actor=editor, url=feed.url, publisher="Feed Outlet")
    assert feed_subscriptions_due() == [subscription.pk]
    assert fetch_feed_subscriptions() == 1  # eager in tests: fetched at once
    subscription.refresh_from_db()
    assert subscription.last_outcome == "imported"
    assert subscription.last_counts["created"] == 2 and subscription.etag == '"v1"'
    assert feed_subscriptions_due() == []
    assert fetch_feed_subscription(subscription.pk) == "not modified"
    assert feed.seen[-1]["if-none-match"] == '"v1"'
    corrected = claim_review(1, reviewRating={"ratingValue": 5, "bestRating": 5, "worstRating": 1})
    feed.body = json.dumps(data_feed([corrected, claim_review(2)])).encode()
    feed.etag = '"v2"'
    assert fetch_feed_subscription(subscription.pk) == "imported"
    subscription.refresh_from_db()
    assert subscription.last_counts == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    assert ExternalReview.objects.get(url__endswith="/1").normalised_rating == "true"
    assert set(ExternalReview.objects.values_list("publisher_name", flat=True)) == {"Feed Outlet"}


def test_the_guard_refuses_a_private_address(editor, feed):
    feed.body = json.dumps(data_feed([claim_review(1)])).encode()
    subscription = feed_subscription_create(actor=editor, url=feed.url)
    outcome = fetch_feed_subscription(subscription.pk)
    assert outcome.startswith("not fetched") and "private" in outcome
    assert feed.seen == [] and not ExternalReview.objects.exists()
    subscription.refresh_from_db()
    assert subscription.last_outcome == outcome


def test_only_editors_subscribe(checker):
    with pytest.raises(PermissionDenied):
        feed_subscription_create(actor=checker, url="https://feeds.example.org/f.json")
    assert not FeedSubscription.objects.exists()
