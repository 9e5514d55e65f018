"""Time the editors' desk pages (statistics dashboard, flag list, one flag) on a large desk.

Runs in a temporary database (created, filled and dropped here). Prints progress, then ONE
JSON object as the last line: p50/p95 server time in milliseconds of each page, measured
through the whole Django stack with the test client, and the number of queries each ran.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import (
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import reverse
from django.utils import timezone

from claims.benchdb import temporary_database
from claims.models import Appearance, Claim, ClaimStatus, Flag, FlagKind, FlagStatus, Tag
from claims.roles import EDITORS, FACT_CHECKERS
from desk import stats, stats_summary
from desk.management.commands.bench_queue import _summary
from desk.models import StatsFigure
from reviews.models import Assignment, AssignmentState, Rating, Verdict, VerdictState
from sources.models import Source, SourceKind

BATCH = 5000
STATUS_WEIGHTS = [
    (ClaimStatus.TRIAGE, 10),
    (ClaimStatus.READY, 45),
    (ClaimStatus.IN_REVIEW, 10),
    (ClaimStatus.AWAITING_APPROVAL, 5),
    (ClaimStatus.PUBLISHED, 20),
    (ClaimStatus.NOT_CHECKABLE, 7),
]
FLAG_STATUS_WEIGHTS = [
    (FlagStatus.OPEN, 50),
    (FlagStatus.CONFIRMED, 30),
    (FlagStatus.DISMISSED, 20),
]


class Command(BaseCommand):
    help = "Benchmark the statistics dashboard and flag review pages on N generated claims."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=30, help="timed requests of each")
        parser.add_argument("--seed", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        setup_test_environment()
        try:
            with temporary_database() as name:
                self.stderr.write(f"temporary database {name}")
                result = self._run(options["claims"], options["requests"], options["seed"])
        finally:
            teardown_test_environment()
        self.stdout.write(json.dumps(result))

    def _time(
        self,
        client: Client,
        url: str,
        n: int,
        *,
        before: Callable[[], None] | None = None,
        **query: Any,
    ) -> dict[str, Any]:
        """p50/p95 of ``n`` requests; ``before`` runs ahead of each one, untimed."""
        for _ in range(2):  # warm caches and connections
            client.get(url, query)
        # Counted by a wrapper: a request's start resets the connection's query log.
        queries: list[str] = []

        def count(execute: Any, sql: str, *args: Any) -> Any:
            queries.append(sql)
            return execute(sql, *args)

        if before is not None:
            before()
        with connection.execute_wrapper(count):
            response = client.get(url, query)
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(n):
            if before is not None:
                before()
            t0 = time.perf_counter()
            client.get(url, query)
            times.append((time.perf_counter() - t0) * 1000)
        return {**_summary(times), "queries": len(queries)}

    def _run(self, n_claims: int, n_requests: int, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        started = time.perf_counter()
        editor, checker = self._fill(rng, n_claims)
        self.stderr.write(f"filled in {time.perf_counter() - started:.1f}s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        setup_seconds = round(time.perf_counter() - started, 1)
        self.stderr.write(f"generated {n_claims} claims in {setup_seconds}s")

        as_editor, as_checker = Client(), Client()
        as_editor.force_login(editor)
        as_checker.force_login(checker)
        stats_url = reverse("desk:stats")
        flag_id = Flag.objects.filter(status=FlagStatus.OPEN).order_by("-score", "-pk")[0].pk
        result: dict[str, Any] = {
            "benchmark": "bench_desk",
            "database": connection.vendor,
            "claims": n_claims,
            "flags": Flag.objects.count(),
            "verdicts": Verdict.objects.count(),
        }
        # The first page after the fill counts every week into the summary (the backfill a
        # deployment's migration asks for), once.
        t0 = time.perf_counter()
        stats_summary.refresh()
        result["summary_backfill_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        result["summary_rows"] = StatsFigure.objects.count()
        # The Django cache off and cleared: every request reads the summary and lays every
        # chart out again.
        cache.clear()
        with override_settings(DESK_STATS_CACHE_SECONDS=0):
            for weeks in (12, 4, 52):
                result[f"stats_{weeks}w_ms"] = self._time(
                    as_editor, stats_url, n_requests, weeks=weeks
                )
            result["stats_checker_12w_ms"] = self._time(as_checker, stats_url, n_requests)
            # A desk at work: before each request a claim arrives and an old one changes
            # status, so the page first counts this week and that claim's week again.
            result["stats_12w_after_writes_ms"] = self._time(
                as_editor, stats_url, n_requests, before=self._write(rng), weeks=12
            )
        result["stats_uncached_12w_p50_ms"] = result["stats_12w_ms"]["p50"]
        result["stats_uncached_12w_p95_ms"] = result["stats_12w_ms"]["p95"]
        result["stats_uncached_52w_p50_ms"] = result["stats_52w_ms"]["p50"]
        result["stats_uncached_52w_p95_ms"] = result["stats_52w_ms"]["p95"]
        cache.clear()
        for weeks in (12, 52):
            result[f"stats_{weeks}w_cached_ms"] = self._time(
                as_editor, stats_url, n_requests, weeks=weeks
            )
        result["flags_page_ms"] = self._time(as_editor, reverse("desk:flags"), n_requests)
        result["flags_page_filtered_ms"] = self._time(
            as_editor, reverse("desk:flags"), n_requests, status="all", tag="topic-3", min_score=0.7
        )
        result["flag_page_ms"] = self._time(
            as_editor, reverse("desk:flag", args=[flag_id]), n_requests
        )
        # Where the uncached dashboard's time goes, 12 weeks: reading the summary, laying out.
        period = stats.Period.last(stats.DEFAULT_WEEKS)
        t0 = time.perf_counter()
        for _ in range(3):
            figures = stats_summary.load(since=period.month_start.date())
        result["stats_12w_summary_read_ms"] = round((time.perf_counter() - t0) * 1000 / 3, 1)
        t0 = time.perf_counter()
        for _ in range(3):
            for build in stats.EDITOR_CHARTS.values():
                build(period, figures)
        result["stats_12w_layout_ms"] = round((time.perf_counter() - t0) * 1000 / 3, 1)
        result["load_average_1m"] = round(os.getloadavg()[0], 2)
        result["cpus"] = os.cpu_count()
        result["setup_seconds"] = setup_seconds
        return result

    def _write(self, rng: random.Random) -> Callable[[], None]:
        ids = list(Claim.objects.filter(status=ClaimStatus.READY).values_list("pk", flat=True))

        def write() -> None:
            Claim.objects.create(text=f"A new claim: figure {rng.randint(1, 10**6)}.")
            Claim.objects.filter(pk=rng.choice(ids)).update(status=ClaimStatus.IN_REVIEW)

        return write

    def _fill(self, rng: random.Random, n_claims: int) -> tuple[User, User]:
        editor = User.objects.create_user(username="bench-editor")
        editor.groups.add(Group.objects.get(name=EDITORS))
        checkers_group = Group.objects.get(name=FACT_CHECKERS)
        checkers = []
        for i in range(20):
            user = User.objects.create_user(username=f"bench-checker-{i}")
            user.groups.add(checkers_group)
            checkers.append(user)
        kinds = SourceKind.values
        sources = Source.objects.bulk_create(
            Source(
                title=f"Story {i}",
                url=f"https://bench.example.org/s/{i}",
                kind=kinds[i % len(kinds)],
            )
            for i in range(max(1, n_claims // 100))
        )
        tags = Tag.objects.bulk_create(Tag(name=f"topic-{i}") for i in range(20))
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        for start in range(0, n_claims, BATCH):
            Claim.objects.bulk_create(
                Claim(
                    text=f"Generated claim {start + i}: figure {rng.randint(1, 10**6)}.",
                    status=rng.choices(statuses, weights)[0],
                )
                for i in range(min(BATCH, n_claims - start))
            )
        table = Claim._meta.db_table
        self._sql(
            f"UPDATE {table} SET created_at = created_at - (id % 365) * interval '1 day'",  # noqa: S608
            f"UPDATE {table} SET created_at = datetime(created_at, '-' || (id % 365) || ' days')",  # noqa: S608
        )
        # Whole rows: the history copies every field (a deferred one is a query per row).
        claims = list(Claim.objects.all())
        # One history row per claim, dated a few days after it arrived: closed claims
        # leave the backlog then.
        Claim.history.bulk_history_create(claims, batch_size=BATCH)
        history = Claim.history.model._meta.db_table
        self._sql(
            f"UPDATE {history} h SET history_date = LEAST(now(), "  # noqa: S608
            f"c.created_at + (c.id % 20) * interval '1 day') "
            f"FROM {table} c WHERE c.id = h.id",
            f"UPDATE {history} SET history_date = (SELECT MIN(datetime('now'), datetime("  # noqa: S608
            f"c.created_at, '+' || (c.id % 20) || ' days')) FROM {table} c WHERE c.id = "
            f"{history}.id)",
        )
        ids = [c.pk for c in claims]
        Appearance.objects.bulk_create(
            (
                Appearance(claim_id=pk, source=rng.choice(sources), quote="Quoted text.")
                for pk in ids
                for _ in range(rng.choices([1, 2, 3], [75, 20, 5])[0])
            ),
            batch_size=BATCH,
        )
        through = Claim.tags.through
        through.objects.bulk_create(
            (through(claim_id=pk, tag=rng.choice(tags)) for pk in rng.sample(ids, len(ids) // 3)),
            batch_size=BATCH,
        )
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < max(1, n_claims // 20):
            a, b = sorted(rng.sample(ids, 2))
            pairs.add((a, b))
        flag_statuses, flag_weights = zip(*FLAG_STATUS_WEIGHTS, strict=True)
        Flag.objects.bulk_create(
            (
                Flag(
                    claim_a_id=a, claim_b_id=b, kind=rng.choice(FlagKind.values),
                    score=round(rng.uniform(0.5, 1.0), 3),
                    method=rng.choice(["lexical", "lexical", "semantic", "verdict"]),
                    reasons=["Generated"], engine_version="bench", text_key="bench",
                    status=rng.choices(flag_statuses, flag_weights)[0],
                )
                for a, b in pairs
            ),
            batch_size=BATCH,
        )  # fmt: skip
        self._sql(
            f"UPDATE {Flag._meta.db_table} SET created_at = created_at - (id % 365) * interval '1 day'",  # noqa: S608
            f"UPDATE {Flag._meta.db_table} SET created_at = datetime(created_at, '-' || (id % 365) || ' days')",  # noqa: S608
        )
        now = timezone.now()
        by_id = {c.pk: c for c in claims}
        published = [c for c in claims if c.status == ClaimStatus.PUBLISHED]
        verdicts = Verdict.objects.bulk_create(
            (
                Verdict(
                    claim_id=c.pk, rating=rng.choice(Rating.values), headline="Generated verdict",
                    explanation="Generated.", state=VerdictState.PUBLISHED,
                    author=rng.choice(checkers),
                    published_at=min(now, c.created_at + dt.timedelta(hours=rng.randint(2, 400))),
                )
                for c in published
            ),
            batch_size=BATCH,
        )  # fmt: skip
        for reason, share in (
            ("Submitted for approval", 1.0),
            ("Returned to checker: generated", 0.2),
            ("Correction (version 2): generated", 0.03),
            ("Retracted: generated", 0.01),
        ):
            chosen = rng.sample(verdicts, int(len(verdicts) * share))
            Verdict.history.bulk_history_create(
                chosen, batch_size=BATCH, default_change_reason=reason
            )
        self._sql(
            f"UPDATE {Verdict.history.model._meta.db_table} h SET history_date = v.published_at "  # noqa: S608
            f"FROM {Verdict._meta.db_table} v WHERE v.id = h.id",
            f"UPDATE {Verdict.history.model._meta.db_table} SET history_date = (SELECT "  # noqa: S608
            f"v.published_at FROM {Verdict._meta.db_table} v WHERE v.id = "
            f"{Verdict.history.model._meta.db_table}.id)",
        )
        in_review = [
            c.pk
            for c in claims
            if by_id[c.pk].status in (ClaimStatus.IN_REVIEW, ClaimStatus.AWAITING_APPROVAL)
        ]
        Assignment.objects.bulk_create(
            (
                Assignment(
                    claim_id=pk, reviewer=rng.choice(checkers), state=AssignmentState.ASSIGNED
                )
                for pk in in_review
            ),
            batch_size=BATCH,
        )
        return editor, checkers[0]

    def _sql(self, postgresql: str, sqlite: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(postgresql if connection.vendor == "postgresql" else sqlite)
