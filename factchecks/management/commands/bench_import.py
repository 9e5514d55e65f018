"""Import throughput: a synthetic ClaimReview feed imported into a temporary database.

Times ``external_reviews_import`` (parsing, validation, the engine's index terms of every
review, rows and history written) on a first import and on a re-import of the same feed (no
writes). Matching is asynchronous (the workers' ``match_reviews``) and not part of it. Prints
one JSON object as its last line.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from claims.benchdb import temporary_database
from factchecks.benchfeed import write_feed
from factchecks.services import external_reviews_import

_SUBJECTS = (
    "The city council",
    "A viral video",
    "The health ministry",
    "A senator",
    "The central bank",
    "A photo",
    "The mayor",
    "A celebrity",
    "The football club",
    "A charity",
)
_VERBS = ("spent", "announced", "banned", "shows", "raised", "cut", "received", "sold")
_OBJECTS = (
    "school meals",
    "petrol prices",
    "a new airport",
    "vaccine doses",
    "river pollution",
    "bus fares",
    "refugee housing",
    "solar panels",
    "tax refunds",
    "hospital beds",
)


def _entries(n: int, seed: int) -> Iterator[tuple[str, str, str]]:
    rng = random.Random(seed)  # noqa: S311 - made-up texts, not secrets
    for i in range(n):
        text = (
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.randint(2, 990)} million on "
            f"{rng.choice(_OBJECTS)} in {rng.randint(1990, 2026)} in region {i}."
        )
        yield f"bench-{i}", text, f"Did it happen in region {i}?"


class Command(BaseCommand):
    help = "Measure ClaimReview import throughput (reviews per second) in a temporary database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reviews", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["reviews"]
        with tempfile.TemporaryFile("w+b") as raw:
            with tempfile.NamedTemporaryFile("w", suffix=".json") as feed:
                write_feed(_entries(n, options["seed"]), feed)
                feed.flush()
                with Path(feed.name).open("rb") as handle:
                    raw.write(handle.read())
            with temporary_database():
                started = time.perf_counter()
                first = external_reviews_import(actor=None, stream=raw, match=False)
                first_seconds = time.perf_counter() - started
                started = time.perf_counter()
                again = external_reviews_import(actor=None, stream=raw, match=False)
                again_seconds = time.perf_counter() - started
                vendor = connection.vendor
        self.stdout.write(
            json.dumps(
                {
                    "database": vendor,
                    "reviews": n,
                    "import": first.counts(),
                    "import_seconds": round(first_seconds, 2),
                    "reviews_per_s": round(n / first_seconds),
                    "reimport": again.counts(),
                    "reimport_seconds": round(again_seconds, 2),
                    "reimport_reviews_per_s": round(n / again_seconds),
                }
            )
        )
