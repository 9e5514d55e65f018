"""Time the publisher API on a large synthetic desk: ``manage.py bench_api --verdicts 100000``.

Fills a throw-away copy of the schema (``claims.benchdb.temporary_database``, dropped at the
end) with published verdicts (claims, claimants, sources, appearances, evidence), committed and
vacuumed as a live database would have them.
Requests go through the whole Django stack in-process with a publisher's token. Prints one
JSON object on its last line: p50/p95 in milliseconds and queries per request per endpoint.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from claims.benchdb import temporary_database
from claims.models import Appearance, Claim, Claimant, ClaimStatus, Tag
from claims.roles import PUBLISHERS
from publishing.models import ReviewChange
from publishing.services import api_token_create
from reviews.models import ChangeKind, Evidence, Rating, Verdict, VerdictState
from sources.models import Source

BATCH = 5000
RATINGS = [Rating.TRUE, Rating.MOSTLY_TRUE, Rating.HALF_TRUE, Rating.MOSTLY_FALSE, Rating.FALSE]


class _QueryCounter:
    """Counts the SQL statements a block runs (whatever DEBUG and the query log say)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Measure publisher API latency and query counts on N synthetic published verdicts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--verdicts", type=int, default=10_000)
        parser.add_argument("--requests", type=int, default=200, help="Per endpoint.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        # Not a rolled-back transaction in the desk's database, as this command first did: each
        # run left its rows behind as dead tuples, and where autovacuum is off or behind, the
        # planner's probes of index ends walked through all of them (planning took 5-35 ms per
        # query after five runs) and every run measured slower than the one before.
        with temporary_database() as name:
            self.stderr.write(f"temporary database {name}")
            result = self._run(options["verdicts"], options["requests"], options["seed"])
        self.stdout.write(json.dumps(result, sort_keys=True))

    def _run(self, verdicts: int, requests: int, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
        started = time.perf_counter()
        ids = self._populate(verdicts, rng)
        build_seconds = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # Statistics and the visibility map as a live database would have them (autovacuum
            # may be off, and would not have caught up with a fresh bulk load anyway).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stderr.write(f"Built {verdicts} published verdicts in {build_seconds:.1f}s")
        user = User.objects.create(username=f"bench-publisher-{seed}")
        user.groups.add(Group.objects.get(name=PUBLISHERS))
        _, token = api_token_create(actor=None, user=user, name="bench", scopes=["read"])
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        change_ids = list(
            ReviewChange.objects.filter(verdict_id__in=ids[::97]).values_list("id", flat=True)
        )
        claim_ids = list(
            Verdict.objects.filter(pk__in=ids[:1000]).values_list("claim_id", flat=True)
        )
        endpoints: dict[str, Callable[[], str]] = {
            "claim_reviews_list": lambda: "/api/v1/claim-reviews/",
            "claim_reviews_list_filtered": lambda: (
                "/api/v1/claim-reviews/?rating=false&tag=bench-3"
            ),
            "claim_reviews_detail": lambda: f"/api/v1/claim-reviews/{rng.choice(ids)}/",
            "claim_reviews_jsonld_list": lambda: "/api/v1/claim-reviews/?format=jsonld",
            "claim_reviews_jsonld_detail": (
                lambda: f"/api/v1/claim-reviews/{rng.choice(ids)}/?format=jsonld"
            ),
            "claims_list": lambda: "/api/v1/claims/",
            "claims_detail": lambda: f"/api/v1/claims/{rng.choice(claim_ids)}/",
            "sources_list": lambda: "/api/v1/sources/",
            "changes_feed_start": lambda: "/api/v1/changes/",
            "changes_feed_resume": lambda: f"/api/v1/changes/?after={rng.choice(change_ids)}",
        }
        rates = {"api": "100000000/hour", "submit": "100000000/hour"}
        measured: dict[str, Any] = {}
        with override_settings(
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        ):
            for name, make_url in endpoints.items():
                client.get(make_url())  # warm caches and the connection
                counter = _QueryCounter()
                with connection.execute_wrapper(counter):
                    response = client.get(make_url())
                assert response.status_code == 200, (name, response.status_code)
                timings = []
                cpu = []
                for _ in range(requests):
                    url = make_url()
                    begin, begin_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    timings.append((time.perf_counter() - begin) * 1000)
                    cpu.append((time.process_time() - begin_cpu) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                timings.sort()
                measured[name] = {
                    "p50_ms": round(statistics.median(timings), 2),
                    "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
                    # This process's CPU time alone: less swayed than wall time by other
                    # processes on a shared machine (the database's own time is not in it).
                    "cpu_p50_ms": round(statistics.median(cpu), 2),
                    "queries": counter.count,
                }
        return {
            "verdicts": verdicts,
            "requests_per_endpoint": requests,
            "database": connection.vendor,
            "build_seconds": round(build_seconds, 1),
            "endpoints": measured,
            # Timings on a busy machine mean little without it.
            "load_average": [round(load, 2) for load in os.getloadavg()],
        }

    def _populate(self, n: int, rng: random.Random) -> list[int]:
        now = timezone.now()
        tags = [Tag.objects.get_or_create(name=f"bench-{i}")[0] for i in range(20)]
        claimants = Claimant.objects.bulk_create(
            [Claimant(name=f"Bench claimant {i}", affiliation="bench") for i in range(500)]
        )
        ids: list[int] = []
        for start in range(0, n, BATCH):
            size = min(BATCH, n - start)
            sources = Source.objects.bulk_create(
                [
                    Source(
                        url=f"https://bench.example.org/{start + i}",
                        title=f"Bench story {start + i}",
                        outlet="Bench Times",
                    )
                    for i in range(size)
                ]
            )
            claims = Claim.objects.bulk_create(
                [
                    Claim(
                        text=f"Bench claim {start + i}: output rose {rng.randint(1, 99)}%.",
                        claimant=rng.choice(claimants),
                        status=ClaimStatus.PUBLISHED,
                    )
                    for i in range(size)
                ]
            )
            Claim.tags.through.objects.bulk_create(
                [Claim.tags.through(claim_id=c.pk, tag_id=rng.choice(tags).pk) for c in claims]
            )
            Appearance.objects.bulk_create(
                [
                    Appearance(claim=c, source=s, quote=c.text, appeared_on=now.date())
                    for c, s in zip(claims, sources, strict=True)
                ]
            )
            verdicts = Verdict.objects.bulk_create(
                [
                    Verdict(
                        claim=c,
                        rating=rng.choice(RATINGS),
                        headline=f"Bench verdict {c.pk}",
                        explanation="Synthetic verdict for benchmarking.",
                        state=VerdictState.PUBLISHED,
                        published_at=now,
                    )
                    for c in claims
                ]
            )
            Evidence.objects.bulk_create(
                [
                    Evidence(claim=c, verdict=v, source=s, stance="context")
                    for c, v, s in zip(claims, verdicts, sources, strict=True)
                ]
            )
            ReviewChange.objects.bulk_create(
                [ReviewChange(verdict=v, kind=ChangeKind.PUBLISHED, version=1) for v in verdicts]
            )
            ids.extend(v.pk for v in verdicts)
        return ids
