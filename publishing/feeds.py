"""Fetching other outlets' subscribed ClaimReview feeds: conditional GET through the outbound
guard the webhooks use (public addresses only, pinned, no redirects, size capped), then the
factchecks import. Lives here because the guard does: factchecks may not import publishing.
"""

from __future__ import annotations

import tempfile

import httpx

from factchecks.models import FeedSubscription
from factchecks.services import ImportRejected, external_reviews_import, feed_subscription_record
from publishing.webhooks import UnsafeTarget, resolve_target, stream_pinned


def feed_fetch(*, subscription_id: int) -> str:
    """Fetch and import one subscription now; returns the outcome recorded on it."""
    subscription = FeedSubscription.objects.filter(pk=subscription_id, active=True).first()
    if subscription is None:
        return "gone"
    headers = {"accept": "application/ld+json, application/json, text/html;q=0.8, */*;q=0.5"}
    if subscription.etag:
        headers["if-none-match"] = subscription.etag
    if subscription.last_modified:
        headers["if-modified-since"] = subscription.last_modified
    with tempfile.TemporaryFile() as stream:
        try:
            fetched = stream_pinned(resolve_target(subscription.url), into=stream, headers=headers)
        except (UnsafeTarget, httpx.HTTPError) as exc:
            outcome = f"not fetched: {exc}"
            feed_subscription_record(subscription=subscription, outcome=outcome)
            return outcome
        if fetched.status == 304:
            outcome = "not modified"
            feed_subscription_record(subscription=subscription, outcome=outcome)
            return outcome
        if fetched.status != 200:
            outcome = f"answered {fetched.status}"
            feed_subscription_record(subscription=subscription, outcome=outcome)
            return outcome
        try:
            result = external_reviews_import(
                actor=None, stream=stream, publisher=subscription.publisher
            )
        except ImportRejected as exc:
            outcome = f"rejected, nothing written: {exc}"
            # The validators are not kept: the corrected feed must be fetched in full.
            feed_subscription_record(
                subscription=subscription, outcome=outcome, counts=exc.result.counts()
            )
            return outcome
    outcome = "imported"
    feed_subscription_record(
        subscription=subscription,
        outcome=outcome,
        counts=result.counts(),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )
    return outcome
