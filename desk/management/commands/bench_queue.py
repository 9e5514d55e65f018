"""Time the review queue page and "Take next claim" on a large generated queue.

Runs in a temporary database (created, filled and dropped here). Prints progress, then ONE
JSON object as the last line: p50/p95 server time in milliseconds of each, measured through
the whole Django stack (middleware, session, view, template) with the test client.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import time
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import (
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import reverse
from django.utils import timezone

from claims.benchdb import temporary_database
from claims.models import Appearance, Claim, Claimant, ClaimStatus, Flag, FlagKind, Tag
from claims.roles import FACT_CHECKERS
from reviews.models import Assignment, AssignmentState, Rating, Verdict, VerdictState
from reviews.queue_stats import queue_stats_rebuild
from sources.models import Source

BATCH = 5000
STATUS_WEIGHTS = [
    (ClaimStatus.READY, 60),
    (ClaimStatus.TRIAGE, 10),
    (ClaimStatus.IN_REVIEW, 15),
    (ClaimStatus.PUBLISHED, 15),
]
PRIORITY_WEIGHTS = [(1, 5), (2, 15), (3, 60), (4, 20)]
LANGUAGES = ["en", "en", "en", "de", "fr", "es"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 2)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": _percentile(values, 0.5),
        "p95": _percentile(values, 0.95),
        "mean": round(statistics.fmean(values), 2),
        "n": len(values),
    }


class Command(BaseCommand):
    help = "Benchmark the review queue page and Take next claim on N generated claims."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=40, help="timed requests of each")
        parser.add_argument("--seed", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        # The test client's requests need the test environment (the "testserver" host).
        setup_test_environment()
        try:
            with temporary_database() as name:
                self.stderr.write(f"temporary database {name}")
                result = self._run(options["claims"], options["requests"], options["seed"])
        finally:
            teardown_test_environment()
        self.stdout.write(json.dumps(result))

    def _run(self, n_claims: int, n_requests: int, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        started = time.perf_counter()
        checkers = self._fill(rng, n_claims)
        setup_seconds = round(time.perf_counter() - started, 1)
        # Bulk inserts skip the signals, exactly the case the periodic rebuild is for.
        started = time.perf_counter()
        queue_stats_rebuild()
        if connection.vendor == "postgresql":
            # What autovacuum does to a live database: statistics and the visibility map.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        rebuild_seconds = round(time.perf_counter() - started, 1)
        self.stderr.write(f"generated {n_claims} claims in {setup_seconds}s")

        client = Client()
        client.force_login(checkers[0])
        url = reverse("queue:index")
        for _ in range(3):  # warm caches and connections
            client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queue_queries = len(ctx.captured_queries)

        queue_ms: list[float] = []
        queue_cpu_ms: list[float] = []
        for _ in range(n_requests):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            queue_ms.append((time.perf_counter() - t0) * 1000)
            queue_cpu_ms.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200
        filtered_ms: list[float] = []
        for _ in range(max(5, n_requests // 4)):
            t0 = time.perf_counter()
            client.get(url, {"language": "de", "tag": "topic-3"})
            filtered_ms.append((time.perf_counter() - t0) * 1000)

        take_url = reverse("queue:take_next")
        take_ms: list[float] = []
        take_cpu_ms: list[float] = []
        for i in range(n_requests):
            taker = Client()
            taker.force_login(checkers[i % len(checkers)])
            t0, c0 = time.perf_counter(), time.process_time()
            response = taker.post(take_url)
            take_ms.append((time.perf_counter() - t0) * 1000)
            take_cpu_ms.append((time.process_time() - c0) * 1000)
            assert response.status_code == 302
        reset_queries()
        return {
            "benchmark": "bench_queue",
            "database": connection.vendor,
            "claims": n_claims,
            "unassigned": Claim.objects.filter(status=ClaimStatus.READY).count(),
            "queue_page_ms": _summary(queue_ms),
            "queue_page_filtered_ms": _summary(filtered_ms),
            "take_next_ms": _summary(take_ms),
            # CPU time of the Django process alone (no database, no waiting for a core).
            "queue_page_django_cpu_ms": _summary(queue_cpu_ms),
            "take_next_django_cpu_ms": _summary(take_cpu_ms),
            "queue_page_queries": queue_queries,
            # Timings are wall-clock: a busy machine inflates them, so say how busy it was.
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "setup_seconds": setup_seconds,
            "queue_stats_rebuild_seconds": rebuild_seconds,
        }

    def _fill(self, rng: random.Random, n_claims: int) -> list[User]:
        group = Group.objects.get(name=FACT_CHECKERS)
        checkers = []
        for i in range(10):
            user = User.objects.create_user(username=f"bench-checker-{i}")
            user.groups.add(group)
            checkers.append(user)
        claimants = Claimant.objects.bulk_create(
            Claimant(name=f"Claimant {i}") for i in range(max(1, n_claims // 200))
        )
        sources = Source.objects.bulk_create(
            Source(title=f"Story {i}", url=f"https://bench.example.org/s/{i}", outlet="Bench")
            for i in range(max(1, n_claims // 100))
        )
        tags = Tag.objects.bulk_create(Tag(name=f"topic-{i}") for i in range(20))
        statuses, status_w = zip(*STATUS_WEIGHTS, strict=True)
        priorities, priority_w = zip(*PRIORITY_WEIGHTS, strict=True)
        for start in range(0, n_claims, BATCH):
            size = min(BATCH, n_claims - start)
            Claim.objects.bulk_create(
                Claim(
                    text=f"Generated claim {start + i}: figure {rng.randint(1, 10**6)} in "
                    f"{rng.choice(['2023', '2024', '2025'])}.",
                    claimant=rng.choice(claimants),
                    status=rng.choices(statuses, status_w)[0],
                    priority=rng.choices(priorities, priority_w)[0],
                    language=rng.choice(LANGUAGES),
                )
                for i in range(size)
            )
        self._spread_ages()
        ids = list(Claim.objects.values_list("pk", flat=True))
        appearances = []
        for pk in ids:
            for _ in range(rng.choices([1, 2, 3, 5], [70, 18, 9, 3])[0]):
                # A third of the appearances come from ingested sentences, with their score.
                worth = rng.random() if rng.random() < 0.33 else None
                appearances.append(
                    Appearance(
                        claim_id=pk,
                        source=rng.choice(sources),
                        quote="Quoted text.",
                        checkworthiness=worth,
                    )
                )
        Appearance.objects.bulk_create(appearances, batch_size=BATCH)
        through = Claim.tags.through
        through.objects.bulk_create(
            (through(claim_id=pk, tag=rng.choice(tags)) for pk in rng.sample(ids, len(ids) // 5)),
            batch_size=BATCH,
        )
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < max(1, n_claims // 30):
            a, b = sorted(rng.sample(ids, 2))
            pairs.add((a, b))
        Flag.objects.bulk_create(
            (
                Flag(
                    claim_a_id=a, claim_b_id=b, kind=FlagKind.REPEAT, score=0.8,
                    method="lexical", engine_version="bench", text_key="bench",
                )
                for a, b in pairs
            ),
            batch_size=BATCH,
        )  # fmt: skip
        # Claims in review are held by a desk of other checkers; the measured ones (the
        # first ten) hold a handful each, as a working checker does.
        others = User.objects.bulk_create(
            User(username=f"bench-reviewer-{i}") for i in range(max(10, n_claims // 500))
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=u.pk, group_id=group.pk) for u in others
        )
        in_review = list(
            Claim.objects.filter(status=ClaimStatus.IN_REVIEW).values_list("pk", flat=True)
        )
        Assignment.objects.bulk_create(
            (
                Assignment(
                    claim_id=pk,
                    reviewer=checkers[i % 10] if i < 50 else rng.choice(others),
                    state=AssignmentState.ASSIGNED,
                )
                for i, pk in enumerate(in_review)
            ),
            batch_size=BATCH,
        )
        now = timezone.now()
        published = Claim.objects.filter(status=ClaimStatus.PUBLISHED).values_list("pk", flat=True)
        Verdict.objects.bulk_create(
            (
                Verdict(
                    claim_id=pk, rating=Rating.FALSE, headline="Generated verdict",
                    explanation="Generated.", state=VerdictState.PUBLISHED,
                    published_at=now - dt.timedelta(days=1),
                )
                for pk in published
            ),
            batch_size=BATCH,
        )  # fmt: skip
        return checkers

    def _spread_ages(self) -> None:
        """Claims were all created just now; spread them over a year, as a real queue is."""
        table = Claim._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET created_at = created_at - (id % 365) * interval '1 day'"  # noqa: S608
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET created_at = "  # noqa: S608
                    "datetime(created_at, '-' || (id % 365) || ' days')"
                )
