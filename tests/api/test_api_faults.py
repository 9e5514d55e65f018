"""The API with Redis gone: reads and claim submission keep working, and no claim is lost.

Redis is both the cache (the API's rate counters) and Celery's broker. When it fails, the rate
limits fall back to per-process counters (logged once), ETags and sessions never needed it,
and a submitted claim is saved ``pending`` for beat's sweep, as the admin saves it.

The end-to-end test runs against a private ``redis-server`` and real workers (the
``private_redis`` and ``workers`` fixtures of ``tests/faults.py``), never the machine's shared
Redis.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

import pytest
from django.core.cache import caches
from django.utils import timezone

from claimdesk.api import throttling
from claims.models import AnalysisState, Claim
from claims.tasks import sweep_analysis
from publishing.models import WebhookEndpoint
from tests.api.conftest import client_for, issue_token
from tests.faults import STALE_AFTER_S, free_port, states, wait_for

log = logging.getLogger(__name__)
CLAIMS = "/api/v1/claims/"
READS = ("/api/v1/claims/", "/api/v1/claim-reviews/", "/api/v1/changes/", "/api/v1/webhooks/")
FALLBACK_LINE = "API rate limits: the cache failed"


def redis_cache(url: str) -> dict[str, dict[str, object]]:
    """The settings' Redis cache, pointed at ``url``."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "claimdesk-fault-test",
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }


@pytest.fixture
def fresh_fallback(monkeypatch):
    """Each test starts with the shared cache believed healthy and empty local counters."""
    monkeypatch.setattr(throttling, "fallback", throttling._Fallback())
    return throttling.fallback


def claim_text(i: int) -> str:
    # Distinct places and figures, so each submission is a new claim.
    return f"The ferry at Harbour {i} carried {1000 + 37 * i} passengers on {1 + i % 28} May."


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_redis_outage_during_api_submissions_loses_no_claim(
    publisher, private_redis, workers, settings, caplog, fresh_fallback
):
    server = private_redis
    settings.CACHES = redis_cache(server.url)
    client = client_for(issue_token(publisher, scopes=["read", "submit"]))
    codes: Counter[int] = Counter()
    submitted: list[int] = []

    def submit(i: int) -> None:
        response = client.post(
            CLAIMS,
            {"text": claim_text(i), "source_url": f"https://news.example.org/{i}"},
            format="json",
        )
        codes[response.status_code] += 1
        assert response.status_code == 201, response.content
        submitted.append(response.json()["id"])

    def read_everything() -> None:
        for url in READS:
            first = client.get(url)
            codes[first.status_code] += 1
            assert first.status_code == 200, (url, first.content)
            again = client.get(url, headers={"If-None-Match": first["ETag"]})
            codes[again.status_code] += 1

    # Lexical matching only: loading the semantic model would take most of the test's time
    # and is not what it is about.
    workers.env["MATCHING_SEMANTIC"] = "off"
    workers.start()
    for i in range(5):  # Redis up: counted in Redis, analysed by the worker.
        submit(i)
    read_everything()
    assert fresh_fallback.down_since is None

    server.stop()  # cache and broker gone, with every queued message
    outage_started = time.monotonic()
    for i in range(5, 20):
        submit(i)
        if i % 5 == 0:
            read_everything()
    hook = client.post(
        "/api/v1/webhooks/",
        {"url": "https://93.184.215.14/hook", "events": ["claimreview.published"]},
        format="json",
    )
    codes[hook.status_code] += 1
    assert hook.status_code == 201, hook.content
    outage_s = time.monotonic() - outage_started
    during = submitted[5:]
    assert set(states(during)) == {AnalysisState.PENDING}
    assert caplog.text.count(FALLBACK_LINE) == 1  # once for the outage, not per request
    assert fresh_fallback.down_since is not None

    server.start()  # back, empty: only the sweep can bring the outage's claims back
    fresh_fallback.retry_at = 0.0  # probe Redis now rather than after the back-off
    for i in range(20, 25):
        submit(i)
    assert fresh_fallback.down_since is None, "the limiter did not go back to Redis"
    assert "the cache answers again" in caplog.text

    last = Claim.objects.filter(pk__in=submitted).order_by("-analysis_requested_at").first()
    assert last is not None
    age = (timezone.now() - last.analysis_requested_at).total_seconds()
    time.sleep(max(0.0, STALE_AFTER_S - age + 0.1))
    sweep_analysis.delay()
    wait_for(
        lambda: states(submitted) == Counter({AnalysisState.DONE: len(submitted)}),
        90,
        lambda: f"claims are still not all analysed: {dict(states(submitted))}",
        workers,
    )

    assert not [code for code in codes if code >= 500], codes
    assert Claim.objects.filter(pk__in=submitted).count() == len(submitted) == 25
    assert WebhookEndpoint.objects.filter(pk=hook.json()["id"]).exists()
    log.info(
        "API fault run: %d requests %s, %d claims submitted (%d during a %.1f s outage), all "
        "analysed after the sweep",
        sum(codes.values()),
        dict(codes),
        len(submitted),
        len(during),
        outage_s,
    )


@pytest.mark.django_db
def test_with_the_cache_down_the_limit_still_holds_per_process(
    publisher, settings, caplog, fresh_fallback
):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min", "submit": "2/min"},
    }
    client = client_for(issue_token(publisher, scopes=["read"]))
    answers = [client.get(CLAIMS).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert caplog.text.count(FALLBACK_LINE) == 1
    throttled = client.get(CLAIMS)
    assert throttled.json() == {"detail": [throttled.json()["detail"][0]]}
    assert "Retry-After" in throttled


@pytest.mark.django_db
def test_a_hung_cache_is_probed_once_per_interval_not_per_request(
    publisher, settings, fresh_fallback, private_redis
):
    settings.CACHES = redis_cache(private_redis.url)
    client = client_for(issue_token(publisher, scopes=["read"]))
    assert client.get(CLAIMS).status_code == 200
    private_redis.freeze()  # accepts connections, never answers
    started = time.monotonic()
    answers = [client.get(CLAIMS).status_code for _ in range(5)]
    elapsed = time.monotonic() - started
    assert answers == [200] * 5
    # The first request waits out the socket timeout (1 s); the next ones skip the cache.
    assert elapsed < 3.0, elapsed
    caches["default"].close()
