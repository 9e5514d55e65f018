"""Rate limits per token (or per staff user on a session), counted in the default cache.

The cache is Redis in production. A desk's intake must never depend on it: when the cache
raises (Redis down, restarting or hung), the counts move to a per-process cache until Redis
answers again. Each web process then enforces the limit on its own share of the requests, which
lets a caller through up to once per process: looser, never a refused or failed request. The
switch is logged once per outage, not per request.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from publishing.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.views import APIView

log = logging.getLogger(__name__)

# After a failure, the shared cache is left alone this long: a hung Redis costs each request
# its socket timeout, so one probe per interval is enough to notice it is back.
RETRY_SHARED_AFTER_S = 15.0
# What a cache backend raises when its server is gone: redis-py's errors, or the socket's own.
CACHE_FAILURES: tuple[type[Exception], ...] = (RedisError, OSError)


class _Fallback:
    """Whether the shared cache is failing, and the per-process counts used meanwhile."""

    def __init__(self) -> None:
        self.cache = LocMemCache("claimdesk-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0

    def shared_usable(self) -> bool:
        return self.down_since is None or time.monotonic() >= self.retry_at

    def failed(self, exc: Exception) -> None:
        with self.lock:
            now = time.monotonic()
            self.retry_at = now + RETRY_SHARED_AFTER_S
            if self.down_since is not None:
                return
            self.down_since = now
        log.warning(
            "API rate limits: the cache failed (%s: %s); counting per process until it answers "
            "again",
            type(exc).__name__,
            exc,
        )

    def recovered(self) -> None:
        with self.lock:
            if self.down_since is None:
                return
            outage = time.monotonic() - self.down_since
            self.down_since = None
        log.warning("API rate limits: the cache answers again after %.0f s", outage)


fallback = _Fallback()


class CallerRateThrottle(SimpleRateThrottle):
    """One budget per token, so a publisher's second integration does not eat the first's."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read at request time (not import time) so settings overrides and env changes apply.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: APIView) -> bool:
        if fallback.shared_usable():
            shared: BaseCache = SimpleRateThrottle.cache
            self.cache = shared
            try:
                allowed = super().allow_request(request, view)
            except CACHE_FAILURES as exc:
                fallback.failed(exc)
            else:
                fallback.recovered()
                return allowed
        self.cache = fallback.cache
        return super().allow_request(request, view)


class SubmitRateThrottle(CallerRateThrottle):
    """A smaller budget for writes (claim submission)."""

    scope = "submit"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
