"""Webhook mechanics: target address checks and pinned connections, retry schedule, Standard
Webhooks signing."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import secrets
import socket
import ssl
from dataclasses import dataclass
from typing import IO

import httpx
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


class UnresolvedTarget(UnsafeTarget):
    """The host name does not resolve (now): refused at registration, retried at delivery."""


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the one address it was checked at.

    Deliveries connect to ``address`` rather than resolving the name again: otherwise a hostile
    DNS server could answer a public address to the check and a private one to the connection
    a moment later (DNS rebinding).
    """

    url: httpx.URL
    address: str


def resolve_target(url: str) -> Target:
    """Resolve the URL's host once and check every address it gives; the first becomes the
    address to connect to.

    Refuses URLs that are not http(s) or that resolve to private, loopback, link-local or
    otherwise non-public addresses, unless WEBHOOKS_ALLOW_PRIVATE is on (the address is then
    pinned all the same). Run when an endpoint is registered and before every attempt, since
    DNS can change.
    """
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        raise UnsafeTarget("Use an http:// or https:// URL with a host name.") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UnsafeTarget("Use an http:// or https:// URL with a host name.")
    # raw_host is the IDNA (ASCII) form, the one DNS, SNI and the Host header all use.
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnresolvedTarget(f"The host {host} does not resolve.") from None
    addresses = [str(info[4][0]).split("%")[0] for info in infos]
    if not addresses:
        raise UnresolvedTarget(f"The host {host} does not resolve.")
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for text in addresses:
            address = ipaddress.ip_address(text)
            if not address.is_global or address.is_multicast:
                raise UnsafeTarget(f"{host} resolves to {address}, a private or reserved address.")
    # Only the first address is tried (the system's preferred order); trying the others in
    # turn would be friendlier to dual-stack hosts, but every one of them was checked anyway.
    return Target(url=parsed, address=addresses[0])


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
    host = target.url.raw_host.decode("ascii")
    extensions = {} if _is_ip(host) else {"sni_hostname": host}
    # trust_env=False: a proxy from the environment would resolve the name itself, unchecked.
    # The CA bundle from SSL_CERT_FILE / SSL_CERT_DIR (else certifi's) is still honoured.
    context = verify or httpx.create_ssl_context(trust_env=True)
    with httpx.Client(
        verify=context, timeout=timeout, follow_redirects=False, trust_env=False
    ) as client:
        request = client.build_request(
            "POST",
            target.url.copy_with(host=target.address),
            content=body.encode(),
            headers={**headers, "host": target.url.netloc.decode("ascii")},
            extensions=extensions,
        )
        # A receiver may answer with any amount of data; only the status line matters.
        response = client.send(request, stream=True)
        response.close()
        return response.status_code


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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
class Fetched:
    """What a guarded GET brought back: status, validators for the next conditional GET."""

    status: int
    etag: str
    last_modified: str


def get_pinned(
    target: Target,
    *,
    into: IO[bytes],
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    max_bytes: int = 512 * 1024 * 1024,
) -> Fetched:
    """GET the target at its checked address into ``into`` (streamed, capped at ``max_bytes``).

    The same pinning as :func:`post_pinned`; used to fetch other outlets' ClaimReview feeds.
    A 304 leaves ``into`` empty; redirects are not followed.
    """
    host = target.url.raw_host.decode("ascii")
    extensions = {} if _is_ip(host) else {"sni_hostname": host}
    context = httpx.create_ssl_context(trust_env=True)
    with httpx.Client(
        verify=context, timeout=timeout, follow_redirects=False, trust_env=False
    ) as client:
        request = client.build_request(
            "GET",
            target.url.copy_with(host=target.address),
            headers={**(headers or {}), "host": target.url.netloc.decode("ascii")},
            extensions=extensions,
        )
        response = client.send(request, stream=True)
        try:
            if response.status_code == 200:
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise UnsafeTarget(f"The response is larger than {max_bytes} bytes.")
                    into.write(chunk)
        finally:
            response.close()
        return Fetched(
            status=response.status_code,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
        )
