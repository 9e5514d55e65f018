"""Reading ClaimReview from the formats outlets publish, one item at a time.

Every reader yields ``(path, item)``: ``path`` names where the item sits in the input
(``dataFeedElement[17].item[0]``, ``claims[3].claimReview[1]``, ``line 12``), so a rejection
can point at it; ``item`` is a ClaimReview as a dict (Google's and ClaimsKG's shapes are turned
into one). Large JSON inputs are streamed with ijson and CSV row by row, so a feed of 100,000
items is never held in memory whole. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson

Item = dict[str, Any]

# Formats, by the name the command and the admin accept.
DATA_FEED = "datafeed"
JSON_LD = "jsonld"
HTML = "html"
GOOGLE = "google"
CSV = "csv"
FORMATS = (DATA_FEED, JSON_LD, HTML, GOOGLE, CSV)

_SCRIPT_RE = re.compile(
    r"<script[^>]*type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script>",
    re.IGNORECASE | re.DOTALL,
)


class MalformedInput(ValueError):  # noqa: N818 - reads as the condition it reports
    """The input cannot be imported; the message starts with where (element path or line)."""


def detect_format(stream: IO[bytes]) -> str:
    """The format of a seekable input, from its first bytes and its top-level keys."""
    stream.seek(0)
    head = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    stream.seek(0)
    if head.startswith(b"<"):
        return HTML
    if head.startswith(b"["):
        return JSON_LD
    if head.startswith(b"{"):
        try:
            # Only the top-level keys are looked at, so a large feed is read once through.
            for prefix, event, value in ijson.parse(stream):
                if prefix == "" and event == "map_key":
                    if value == "dataFeedElement":
                        return DATA_FEED
                    if value == "claims":
                        return GOOGLE
        except ijson.JSONError as exc:
            raise MalformedInput(f"not valid JSON: {exc}") from None
        finally:
            stream.seek(0)
        return JSON_LD
    return CSV


def read_items(stream: IO[bytes], fmt: str | None = None) -> Iterator[tuple[str, Item]]:
    """Every ClaimReview of the input, with its path; raises MalformedInput on bad structure."""
    fmt = fmt or detect_format(stream)
    stream.seek(0)
    readers = {
        DATA_FEED: _data_feed,
        JSON_LD: _json_ld,
        HTML: _html,
        GOOGLE: _google,
        CSV: _csv,
    }
    if fmt not in readers:
        raise MalformedInput(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    try:
        yield from readers[fmt](stream)
    except ijson.JSONError as exc:
        raise MalformedInput(f"not valid JSON: {exc}") from None


def _data_feed(stream: IO[bytes]) -> Iterator[tuple[str, Item]]:
    # Elements are small (a few items each): each is parsed whole, the feed never is.
    for i, element in enumerate(ijson.items(stream, "dataFeedElement.item", use_float=True)):
        where = f"dataFeedElement[{i}]"
        if not isinstance(element, dict):
            raise MalformedInput(f"{where}: an element must be an object")
        items = element.get("item", [])
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise MalformedInput(f"{where}.item: must be an object or a list of objects")
        for j, item in enumerate(items):
            yield from _claim_reviews(item, f"{where}.item[{j}]")


def _claim_reviews(node: Any, where: str) -> Iterator[tuple[str, Item]]:
    """The ClaimReview objects in one JSON-LD node (itself, or those of its ``@graph``)."""
    if not isinstance(node, dict):
        raise MalformedInput(f"{where}: must be an object")
    if "@graph" in node:
        graph = node["@graph"]
        if not isinstance(graph, list):
            raise MalformedInput(f"{where}.@graph: must be a list")
        for k, child in enumerate(graph):
            yield from _claim_reviews(child, f"{where}.@graph[{k}]")
        return
    kind = node.get("@type", "ClaimReview")
    kinds = kind if isinstance(kind, list) else [kind]
    # Pages carry other JSON-LD (articles, breadcrumbs): only ClaimReview is ours.
    if "ClaimReview" in kinds:
        yield where, node


def _json_ld(stream: IO[bytes]) -> Iterator[tuple[str, Item]]:
    head = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    stream.seek(0)
    if head.startswith(b"["):
        for i, node in enumerate(ijson.items(stream, "item", use_float=True)):
            yield from _claim_reviews(node, f"[{i}]")
        return
    try:
        node = json.load(stream)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"not valid JSON: {exc}") from None
    yield from _claim_reviews(node, "$")


def _html(stream: IO[bytes]) -> Iterator[tuple[str, Item]]:
    page = stream.read().decode("utf-8", errors="replace")
    for n, match in enumerate(_SCRIPT_RE.finditer(page)):
        where = f"script[{n}]"
        try:
            node = json.loads(match.group(1))
        except ValueError as exc:
            raise MalformedInput(f"{where}: not valid JSON: {exc}") from None
        nodes = node if isinstance(node, list) else [node]
        for i, child in enumerate(nodes):
            yield from _claim_reviews(child, f"{where}[{i}]" if isinstance(node, list) else where)


def _google(stream: IO[bytes]) -> Iterator[tuple[str, Item]]:
    """Google Fact Check Tools ``claims:search``: ``claims[].claimReview[]``, as ClaimReview."""
    for i, claim in enumerate(ijson.items(stream, "claims.item", use_float=True)):
        where = f"claims[{i}]"
        if not isinstance(claim, dict):
            raise MalformedInput(f"{where}: must be an object")
        reviews = claim.get("claimReview", [])
        if not isinstance(reviews, list):
            raise MalformedInput(f"{where}.claimReview: must be a list")
        for j, review in enumerate(reviews):
            at = f"{where}.claimReview[{j}]"
            if not isinstance(review, dict):
                raise MalformedInput(f"{at}: must be an object")
            publisher = review.get("publisher") or {}
            if not isinstance(publisher, dict):
                raise MalformedInput(f"{at}: publisher: must be an object")
            item: Item = {
                "@type": "ClaimReview",
                "url": review.get("url"),
                "claimReviewed": claim.get("text"),
                "name": review.get("title", ""),
                "datePublished": review.get("reviewDate"),
                "inLanguage": review.get("languageCode", ""),
                "author": {"name": publisher.get("name", ""), "url": publisher.get("site", "")},
                "reviewRating": {"alternateName": review.get("textualRating", "")},
                "itemReviewed": {
                    "author": {"name": claim.get("claimant", "")},
                    "datePublished": claim.get("claimDate"),
                },
            }
            yield at, item


def _number(value: str) -> Any:
    text = value.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # left for validation to reject, with its line


def _csv(stream: IO[bytes]) -> Iterator[tuple[str, Item]]:
    """ClaimsKG-style CSV: ``claimReview_*``, ``rating_*``, ``extra_*`` and ``creativeWork_*``."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        fields = reader.fieldnames or []
        for needed in ("claimReview_url", "claimReview_claimReviewed"):
            if needed not in fields:
                raise MalformedInput(f"line 1: missing column {needed}")
        for row in reader:
            at = f"line {reader.line_num}"
            if None in row:
                raise MalformedInput(f"{at}: more values than columns")

            def col(name: str, row: dict[str, str] = row) -> str:
                return (row.get(name) or "").strip()

            appearances = [u for u in col("extra_claimReview_appearance").split() if u]
            item: Item = {
                "@type": "ClaimReview",
                "url": col("claimReview_url"),
                "claimReviewed": col("claimReview_claimReviewed"),
                "name": col("extra_title") or col("claimReview_headline"),
                "datePublished": col("claimReview_datePublished") or None,
                "inLanguage": col("creativeWork_inLanguage") or col("claimReview_inLanguage"),
                "author": {
                    "name": col("claimReview_author_name"),
                    "url": col("claimReview_author_url"),
                },
                "reviewRating": {
                    "alternateName": col("rating_alternateName"),
                    "ratingValue": _number(col("rating_ratingValue")),
                    "bestRating": _number(col("rating_bestRating")),
                    "worstRating": _number(col("rating_worstRating")),
                },
                "itemReviewed": {
                    "author": {"name": col("creativeWork_author_name")},
                    "datePublished": col("creativeWork_datePublished") or None,
                    "appearance": [{"url": u} for u in appearances],
                },
            }
            yield at, item
    finally:
        text.detach()
