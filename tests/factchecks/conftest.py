"""Fixtures of the factchecks tests: ClaimReview inputs built in the test, never from files."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from factchecks.matching import review_indexes_clear


@pytest.fixture(autouse=True)
def fresh_review_index():
    """No in-memory review index left over from another test's (rolled back) rows."""
    review_indexes_clear()
    yield
    review_indexes_clear()


def claim_review(n: int, **overrides: Any) -> dict[str, Any]:
    """A ClaimReview as outlets publish it; ``n`` makes the URL and claim distinct."""
    item: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://checks.example.net/review/{n}/",
        "claimReviewed": f"Harbour town {n} recorded {n + 40} ferry crossings in a single day.",
        "name": f"Did harbour town {n} see a ferry record?",
        "datePublished": f"2026-03-0{n % 9 + 1}",
        "author": {
            "@type": "Organization",
            "name": "Example Checks",
            "url": "https://checks.example.net",
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "A Harbour Master"},
            "datePublished": "2026-02-20",
            "appearance": [{"@type": "CreativeWork", "url": f"https://social.example.org/p/{n}"}],
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "False",
        },
        "inLanguage": "en",
    }
    item.update(overrides)
    return item


def data_feed(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "dateCreated": "2026-03-01", "item": [item]} for item in items
        ],
    }


def as_stream(data: Any) -> io.BytesIO:
    if isinstance(data, str):
        return io.BytesIO(data.encode())
    return io.BytesIO(json.dumps(data).encode())
