"""Writing a pool of claims as a Data Commons ClaimReview feed, for evaluation and benchmarks.

Outlets, URLs and ratings are made up but stable: the same pool id always gets the same
review URL, so a measurement can tell whether the gold review was matched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import IO

OUTLETS = (
    ("Harbour Fact Desk", "harbourfacts.example"),
    ("Northern Verify", "northernverify.example"),
    ("Plain Check", "plaincheck.example"),
    ("Meridian Review", "meridianreview.example"),
    ("Lantern Facts", "lanternfacts.example"),
)


def review_url(pool_id: str) -> str:
    """The made-up review URL of a pool entry (the import key)."""
    _, site = _outlet(pool_id)
    return f"https://{site}/checks/{hashlib.sha1(pool_id.encode()).hexdigest()[:16]}"  # noqa: S324


def _outlet(pool_id: str) -> tuple[str, str]:
    digest = int(hashlib.sha1(pool_id.encode()).hexdigest(), 16)  # noqa: S324 - not security
    return OUTLETS[digest % len(OUTLETS)]


def feed_item(pool_id: str, text: str, title: str = "") -> dict[str, object]:
    """One ClaimReview for a pool entry."""
    name, site = _outlet(pool_id)
    value = 1 + int(hashlib.sha1(pool_id.encode()).hexdigest()[:2], 16) % 5  # noqa: S324
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": review_url(pool_id),
        "claimReviewed": text,
        "name": title,
        "datePublished": "2021-01-15",
        "author": {"@type": "Organization", "name": name, "url": f"https://{site}"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
        },
        "inLanguage": "en",
    }


def write_feed(entries: Iterable[tuple[str, str, str]], out: IO[str]) -> int:
    """Write (id, text, title) entries as a feed, one element per review, streamed; the count."""
    out.write('{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [')
    count = 0
    for pool_id, text, title in entries:
        element = {"@type": "DataFeedItem", "item": [feed_item(pool_id, text, title)]}
        out.write(("," if count else "") + json.dumps(element))
        count += 1
    out.write("]}")
    return count
