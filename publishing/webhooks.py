"""Webhook mechanics: target address checks and pinned connections, retry schedule, Standard
Webhooks signing."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import ssl
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from standardwebhooks import Webhook

from claimdesk import outbound
from claimdesk.outbound import Target, UnresolvedTarget, UnsafeTarget

__all__ = ["Target", "UnresolvedTarget", "UnsafeTarget", "check_target", "resolve_target"]

# Attempt n (1-based) waits about FIRST_RETRY * 2**(n-1), capped at MAX_RETRY_GAP, with
# jitter; MAX_ATTEMPTS makes the whole schedule about a day (see retry_schedule()).
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY_GAP = dt.timedelta(hours=4)
MAX_ATTEMPTS = 14
JITTER = 0.25


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_msg_id() -> str:
    return "msg_" + secrets.token_hex(16)


def retry_delay(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt, with ±25% jitter so that many
    deliveries failing together do not come back together."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY_GAP)
    spread = (rng or random.SystemRandom()).uniform(1 - JITTER, 1 + JITTER)
    return base * spread


def retry_schedule() -> dt.timedelta:
    """The total time a delivery is retried for, without jitter."""
    return sum(
        (min(FIRST_RETRY * 2 ** (n - 1), MAX_RETRY_GAP) for n in range(1, MAX_ATTEMPTS)),
        dt.timedelta(),
    )


def resolve_target(url: str) -> Target:
    """Check a webhook URL with the project's outbound guard (``claimdesk.outbound``);
    private addresses only when WEBHOOKS_ALLOW_PRIVATE is on."""
    return outbound.resolve_target(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE)


def check_target(url: str) -> None:
    """Refuse a URL webhooks must not reach (see :func:`resolve_target`)."""
    resolve_target(url)


def post_pinned(
    target: Target,
    *,
    body: str,
    headers: dict[str, str],
    timeout: float,
    verify: ssl.SSLContext | None = None,
) -> int:
    """POST to the target's checked address and return the status code; redirects are not
    followed, and the response body is not read. ``verify`` replaces the default CA bundle.

    The URL's host is replaced by the pinned address, while the Host header and the TLS server
    name (SNI, and the name the certificate must match) stay the original host name, so an
    HTTPS receiver is verified exactly as if its name had been resolved on connect.
    """
    # A receiver may answer with any amount of data; only the status line matters.
    with outbound.open_pinned(
        target,
        method="POST",
        timeout=timeout,
        headers=headers,
        content=body.encode(),
        verify=verify,
    ) as response:
        return response.status_code


def sign(secret: str, msg_id: str, timestamp: dt.datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "Claimdesk-Webhooks/1",
    }


@dataclass(frozen=True)
class Streamed:
    """What a guarded GET into a stream brought back: status, validators for the next
    conditional GET."""

    status: int
    etag: str
    last_modified: str


def stream_pinned(
    target: Target,
    *,
    into: IO[bytes],
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    max_bytes: int = 512 * 1024 * 1024,
) -> Streamed:
    """GET the target at its checked address into ``into`` (streamed, capped at ``max_bytes``).

    The same pinning as :func:`post_pinned` (``claimdesk.outbound.open_pinned``); used to fetch
    other outlets' ClaimReview feeds, which may be far larger than a page kept in memory. A 304
    leaves ``into`` empty; redirects are not followed.
    """
    with outbound.open_pinned(
        target, method="GET", timeout=timeout, headers=headers or {}
    ) as response:
        if response.status_code == 200:
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise UnsafeTarget(f"The response is larger than {max_bytes} bytes.")
                into.write(chunk)
        return Streamed(
            status=response.status_code,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
        )
