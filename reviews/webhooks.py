"""Webhook mechanics: target address checks, retry schedule, Standard Webhooks signing."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from standardwebhooks import Webhook

# Attempt n (1-based) waits about FIRST_RETRY * 2**(n-1), capped at MAX_RETRY_GAP, with
# jitter; MAX_ATTEMPTS makes the whole schedule about a day (see retry_schedule()).
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY_GAP = dt.timedelta(hours=4)
MAX_ATTEMPTS = 14
JITTER = 0.25


class UnsafeTarget(ValueError):  # noqa: N818 - reads as the condition it reports
    """The URL points at an address webhooks must not reach."""


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


def check_target(url: str) -> None:
    """Refuse URLs that are not http(s) or that resolve to private, loopback, link-local or
    otherwise non-public addresses, unless WEBHOOKS_ALLOW_PRIVATE is on.

    Checked when an endpoint is registered and again before every attempt, since DNS can change.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("Use an http:// or https:// URL with a host name.")
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(f"The host {parts.hostname} does not resolve.") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise UnsafeTarget(
                f"{parts.hostname} resolves to {address}, a private or reserved address."
            )


def sign(secret: str, msg_id: str, timestamp: dt.datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "Claimdesk-Webhooks/1",
    }
