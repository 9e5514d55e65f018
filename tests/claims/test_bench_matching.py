"""``bench_matching`` builds its pool in a temporary database and reports one JSON line."""

from __future__ import annotations

import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims.models import Claim, ClaimTerm, Flag
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_bench(**options):
    out = StringIO()
    call_command("bench_matching", stdout=out, **options)
    lines = out.getvalue().strip().splitlines()
    return json.loads(lines[-1]), lines


def test_small_bench_reports_latency_throughput_and_high_recall():
    desk_claim = ClaimFactory(text="Our own claim about 12 turbines in Oslo.")
    result, lines = run_bench(claims=300, queries=30, backlog=30)
    assert len(lines) > 1  # human-readable progress first, JSON last
    assert result["claims"] == 300
    measured = result["engine"]
    assert {"p50_ms", "p95_ms", "claims_per_s", "recall"} <= measured.keys()
    assert 0 < measured["p50_ms"] <= measured["p95_ms"]
    assert measured["claims_per_s"] > 0
    assert measured["recall"] >= 0.9
    assert measured["repeat_recall"] >= 0.9
    # Where the time went, per stage: the stages cover most of each analysis.
    stages = measured["stages_ms"]
    assert {"text", "index", "rank.select", "precheck", "classify", "flags"} <= stages.keys()
    assert 0.5 * measured["p50_ms"] <= sum(stages.values()) <= 2 * measured["p95_ms"]
    assert result["trigram"] is None
    assert Claim.objects.filter(pk=desk_claim.pk, text=desk_claim.text).exists()
    if connection.vendor == "postgresql":
        # The pool lived in its own database. (Under pytest on SQLite both are the same
        # in-memory database, so only PostgreSQL can show the separation here.)
        assert list(Claim.objects.values_list("pk", flat=True)) == [desk_claim.pk]
        assert not Flag.objects.exists()
        assert not ClaimTerm.objects.exclude(claim=desk_claim).exists()


def test_trigram_comparison_needs_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("this is the SQLite refusal; PostgreSQL runs the comparison below")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_matching", claims=300, compare_trigram=True, stdout=StringIO())


def test_trigram_comparison_runs_on_the_same_data():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the trigram comparison: set DATABASE_URL to PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL); not set outside CI")
    result, _ = run_bench(claims=300, queries=30, backlog=30, compare_trigram=True)
    trigram = result["trigram"]
    assert {"p50_ms", "p95_ms", "recall"} <= trigram.keys()
    assert 0 < trigram["p50_ms"] <= trigram["p95_ms"]
    assert result["engine"]["recall"] >= trigram["recall"] - 0.05
    assert result["engine"]["workers"] == 2


def test_kept_database_is_built_once_and_reused():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the kept-database bench: set DATABASE_URL to PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL); not set outside CI")
    name = f"{connection.settings_dict['NAME']}_kept_bench"
    desk = connection.settings_dict["NAME"]
    try:
        first, _ = run_bench(claims=300, queries=20, backlog=20, keep_db=name)
        second, lines = run_bench(claims=300, queries=20, backlog=20, keep_db=name)
        assert (first["pool_reused"], second["pool_reused"]) == (False, True)
        assert any("reused" in line for line in lines)
        assert second["engine"]["recall"] >= 0.9
        assert second["engine"]["backlog"] == 20
        assert connection.settings_dict["NAME"] == desk
        with pytest.raises(CommandError, match="300"):
            run_bench(claims=400, queries=20, backlog=20, keep_db=name)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
