"""Rate limits per token (or per staff user on a session), counted in the default cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from publishing.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.views import APIView


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


class SubmitRateThrottle(CallerRateThrottle):
    """A smaller budget for writes (claim submission)."""

    scope = "submit"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
