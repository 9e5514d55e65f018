"""Fetching a URL for ingest, behind the project's outbound guard.

Each hop of a redirect is checked again (a public page may redirect to an internal address),
the body is capped, the time-out is short, and only HTML, plain text or PDF is read.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

from claimdesk.outbound import UnsafeTarget, get_pinned, resolve_target
from ingest.extract import Extracted, from_html, from_pdf, from_text, max_bytes

__all__ = ["FetchError", "check_url", "fetch_url"]

MAX_REDIRECTS = 3
READABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf")


class FetchError(Exception):
    """The page could not be read; the message says why, for the editor."""


def _allow_private() -> bool:
    return bool(getattr(settings, "INGEST_ALLOW_PRIVATE", False))


# Paths that name a file which is not a page: refused at once rather than fetched and then
# refused for its content type (a page without such a suffix is still checked on arrival).
NOT_PAGES = frozenset(
    {
        ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".zip", ".gz",
        ".tar", ".7z", ".rar", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".mp3",
        ".mp4", ".mov", ".avi", ".wav", ".exe", ".dmg", ".iso", ".bin", ".csv", ".json",
    }
)  # fmt: skip


def check_url(url: str) -> None:
    """Refuse at once a URL the fetch would refuse (as a field error)."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix in NOT_PAGES:
        raise ValidationError(
            {"url": f"This address names a {suffix} file; only HTML, text or PDF is read."}
        )
    try:
        resolve_target(url, allow_private=_allow_private())
    except UnsafeTarget as exc:
        raise ValidationError({"url": str(exc)}) from None


def fetch_url(url: str) -> Extracted:
    """Fetch and extract a page; :class:`FetchError` with a readable reason otherwise."""
    timeout = float(getattr(settings, "INGEST_FETCH_TIMEOUT", 10.0))
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            target = resolve_target(current, allow_private=_allow_private())
            page = get_pinned(target, timeout=timeout, max_bytes=max_bytes())
        except UnsafeTarget as exc:
            raise FetchError(str(exc)) from None
        except httpx.TimeoutException:
            raise FetchError(f"The page did not answer within {timeout:.0f} s.") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"The page could not be reached ({exc.__class__.__name__}).") from None
        if page.status in (301, 302, 303, 307, 308) and page.location:
            current = urljoin(current, page.location)
            continue
        break
    else:
        raise FetchError(f"More than {MAX_REDIRECTS} redirects.")
    if page.status != 200:
        raise FetchError(f"The page answered HTTP {page.status}.")
    if page.truncated:
        raise FetchError(f"The page is larger than the {max_bytes() // 1_000_000} MB limit.")
    kind = page.content_type.split(";")[0].strip().lower()
    if kind not in READABLE_TYPES:
        raise FetchError(f"Not an HTML, text or PDF page ({kind or 'no content type'}).")
    if kind == "application/pdf":
        try:
            return from_pdf(page.body, field="url")
        except ValidationError as exc:
            raise FetchError(" ".join(exc.messages)) from None
    charset = "utf-8"
    for part in page.content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        text = page.body.decode(charset, errors="replace")
    except LookupError:
        text = page.body.decode("utf-8", errors="replace")
    try:
        return (
            from_text(text, field="url") if kind == "text/plain" else from_html(text, field="url")
        )
    except ValidationError as exc:
        raise FetchError(" ".join(exc.messages)) from None
