"""The outbound guard: which addresses the server may connect to on a user's say-so.

Webhook deliveries and ingest's URL fetches both take a URL from a user; both resolve its
host once, refuse private, loopback, link-local and reserved addresses (unless the caller's
setting allows them), and then connect to that checked address only, so DNS cannot answer one
address to the check and another to the connection (rebinding). Redirects are never followed
here: a caller that wants them checks each new location with this guard again.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

__all__ = [
    "Fetched",
    "Target",
    "UnresolvedTarget",
    "UnsafeTarget",
    "get_pinned",
    "is_ip",
    "resolve_target",
]


class UnsafeTarget(ValueError):  # noqa: N818 - reads as the condition it reports
    """The URL points at an address the server must not reach."""


class UnresolvedTarget(UnsafeTarget):
    """The host name does not resolve (now): refused at registration, retried at delivery."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the one address it was checked at (connections go there)."""

    url: httpx.URL
    address: str


def resolve_target(url: str, *, allow_private: bool) -> Target:
    """Resolve the URL's host once and check every address it gives; the first becomes the
    address to connect to. Refuses URLs that are not http(s) or that resolve to private,
    loopback, link-local or otherwise non-public addresses, unless ``allow_private``."""
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
    if not allow_private:
        for text in addresses:
            address = ipaddress.ip_address(text)
            if not address.is_global or address.is_multicast:
                raise UnsafeTarget(f"{host} resolves to {address}, a private or reserved address.")
    # Only the first address is tried (the system's preferred order); every one was checked.
    return Target(url=parsed, address=addresses[0])


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Fetched:
    """What a GET returned: status, content type, the final URL and at most the cap's bytes."""

    status: int
    content_type: str
    location: str
    body: bytes
    truncated: bool


@contextmanager
def open_pinned(
    target: Target,
    *,
    method: str,
    timeout: float,
    headers: dict[str, str],
    content: bytes | None = None,
    verify: ssl.SSLContext | None = None,
) -> Iterator[httpx.Response]:
    """Send a request to the target's checked address and yield the streamed response.

    The URL's host is replaced by the pinned address, while the Host header and the TLS server
    name (SNI, and the name the certificate must match) stay the original host name, so an
    HTTPS server is verified exactly as if its name had been resolved on connect. Redirects
    are not followed; ``verify`` replaces the default CA bundle.
    """
    host = target.url.raw_host.decode("ascii")
    extensions = {} if is_ip(host) else {"sni_hostname": host}
    # trust_env=False: a proxy from the environment would resolve the name itself, unchecked.
    # The CA bundle from SSL_CERT_FILE / SSL_CERT_DIR (else certifi's) is still honoured.
    context = verify or httpx.create_ssl_context(trust_env=True)
    with httpx.Client(
        verify=context, timeout=timeout, follow_redirects=False, trust_env=False
    ) as client:
        request = client.build_request(
            method,
            target.url.copy_with(host=target.address),
            content=content,
            headers={**headers, "host": target.url.netloc.decode("ascii")},
            extensions=extensions,
        )
        response = client.send(request, stream=True)
        try:
            yield response
        finally:
            response.close()


def get_pinned(target: Target, *, timeout: float, max_bytes: int) -> Fetched:
    """GET the target at its checked address, reading at most ``max_bytes`` of the body;
    redirects are returned (``location``), not followed."""
    headers = {"accept": "text/html,text/plain"}
    with open_pinned(target, method="GET", timeout=timeout, headers=headers) as response:
        chunks: list[bytes] = []
        size = 0
        truncated = False
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                truncated = True
                break
        return Fetched(
            status=response.status_code,
            content_type=response.headers.get("content-type", ""),
            location=response.headers.get("location", ""),
            body=b"".join(chunks)[:max_bytes],
            truncated=truncated,
        )
