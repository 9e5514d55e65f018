"""Turning one ClaimReview item into an external review's fields, or saying what is wrong.

Pure functions (no database): the label table is passed in as a dict, so the import reads it
once per run and tests can build one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sources.normalize import normalize_url

from .models import NormalisedRating
from .parsing import Item, MalformedInput

# (publisher site or "", lower-case label) -> normalised rating.
LabelTable = dict[tuple[str, str], str]


@dataclass(frozen=True)
class ReviewFields:
    """What an import writes for one item (``raw`` and ``fingerprint`` included)."""

    url: str
    values: dict[str, Any]
    fingerprint: str


class FieldError(ValueError):
    """One field of an item is wrong; the reader adds where the item is."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")


def fingerprint(item: Item) -> str:
    """Hash of the item as received, key order ignored: equal items import as unchanged."""
    canonical = json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(value: Any, field: str, *, limit: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("name", value.get("@value", ""))
    if isinstance(value, list):
        value = " ".join(_text(v, field) for v in value)
    if not isinstance(value, str | int | float):
        raise FieldError(field, "must be text")
    text = " ".join(str(value).split())
    return text[:limit] if limit else text


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _date(value: Any, field: str) -> dt.date | None:
    value = _first(value)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"{value!r} is not a date")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise FieldError(field, f"{value!r} is not an ISO date") from None


def _datetime(value: Any, field: str) -> dt.datetime | None:
    value = _first(value)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"{value!r} is not a date")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(field, f"{value!r} is not an ISO date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _float(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"{value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError(field, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise FieldError(field, f"{value!r} is not a number")
    return number


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.lower().removeprefix("www.")


def rating_from_value(value: float, best: float, worst: float) -> str:
    """The normalised rating of a numeric one on its own scale (0 worst, 1 best)."""
    share = (value - worst) / (best - worst)
    if share >= 0.9:
        return NormalisedRating.TRUE
    if share >= 0.6:
        return NormalisedRating.MOSTLY_TRUE
    if share > 0.4:
        return NormalisedRating.MIXED
    if share > 0.1:
        return NormalisedRating.MOSTLY_FALSE
    return NormalisedRating.FALSE


def rating_from_label(label: str, site: str, labels: LabelTable) -> str:
    """The normalised rating of a textual one: the outlet's own row, else the default row."""
    key = " ".join(label.lower().split())
    if not key:
        return NormalisedRating.OTHER
    return labels.get((site, key)) or labels.get(("", key)) or NormalisedRating.OTHER


def _rating(item: Item, site: str, labels: LabelTable) -> dict[str, Any]:
    node = _first(item.get("reviewRating"))
    if node is None:
        node = {}
    if not isinstance(node, dict):
        raise FieldError("reviewRating", "must be an object (Rating)")
    label = _text(node.get("alternateName") or node.get("name"), "reviewRating.alternateName")
    value = _float(node.get("ratingValue"), "reviewRating: ratingValue")
    best = _float(node.get("bestRating"), "reviewRating: bestRating")
    worst = _float(node.get("worstRating"), "reviewRating: worstRating")
    normalised = None
    # Outlets that rate in words only often put -1 or leave the scale out; a value is used
    # only with its whole scale.
    if value is not None and best is not None and worst is not None:
        if best == worst:
            raise FieldError("reviewRating", "bestRating equals worstRating")
        low, high = min(best, worst), max(best, worst)
        if not low <= value <= high:
            raise FieldError(
                "reviewRating",
                f"ratingValue {value:g} is outside {worst:g}..{best:g}",
            )
        normalised = rating_from_value(value, best, worst)
    if normalised is None:
        normalised = rating_from_label(label, site, labels)
    return {
        "rating_label": label[:300],
        "rating_value": value,
        "best_rating": best,
        "worst_rating": worst,
        "normalised_rating": normalised,
    }


def _appearances(reviewed: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("appearance", "firstAppearance"):
        nodes = reviewed.get(key) or []
        for node in nodes if isinstance(nodes, list) else [nodes]:
            url = node.get("url") if isinstance(node, dict) else node
            if isinstance(url, str) and url.strip() and url.strip() not in found:
                found.append(url.strip())
    return found[:50]


def review_fields(
    item: Item, *, labels: LabelTable, publisher: str = "", item_fingerprint: str = ""
) -> ReviewFields:
    """The fields of one item; raises FieldError naming the field that is wrong."""
    raw_url = item.get("url")
    if not isinstance(raw_url, str) or not raw_url.strip():
        raise FieldError("url", "required (the review's address)")
    try:
        url = normalize_url(raw_url)
    except ValueError as exc:
        raise FieldError("url", str(exc)) from None
    if len(url) > 2000:
        raise FieldError("url", "longer than 2000 characters")
    claim = _text(item.get("claimReviewed"), "claimReviewed")
    if not claim:
        raise FieldError("claimReviewed", "required (the claim the review checks)")
    author = _first(item.get("author")) or {}
    if isinstance(author, str):
        author = {"name": author}
    if not isinstance(author, dict):
        raise FieldError("author", "must be an object (Organization)")
    author_url = author.get("url") if isinstance(author.get("url"), str) else ""
    site = _site(author_url) if author_url and "://" in author_url else (author_url or "").lower()
    site = site.removeprefix("www.") or _site(url)
    reviewed = _first(item.get("itemReviewed")) or {}
    if not isinstance(reviewed, dict):
        raise FieldError("itemReviewed", "must be an object (Claim)")
    claimant = _first(reviewed.get("author"))
    language = item.get("inLanguage")
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    values: dict[str, Any] = {
        "publisher_name": (publisher or _text(author.get("name"), "author.name"))[:200],
        "publisher_site": site[:200],
        "claim_reviewed": claim,
        "headline": _text(item.get("name") or item.get("headline"), "name"),
        "claimant": _text(claimant, "itemReviewed.author", limit=300),
        "claim_date": _date(reviewed.get("datePublished"), "itemReviewed.datePublished"),
        "appearance_urls": _appearances(reviewed),
        "language": _text(language, "inLanguage", limit=16),
        "date_published": _date(item.get("datePublished"), "datePublished"),
        "date_modified": _datetime(item.get("dateModified"), "dateModified"),
        "raw": item,
        **_rating(item, site, labels),
    }
    return ReviewFields(url=url, values=values, fingerprint=item_fingerprint or fingerprint(item))


def checked(where: str, item: Item, **kwargs: Any) -> ReviewFields:
    """``review_fields`` with the item's place in the input put in front of any error."""
    try:
        return review_fields(item, **kwargs)
    except FieldError as exc:
        raise MalformedInput(f"{where}: {exc}") from None
