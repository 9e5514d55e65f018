"""Analysis statements are really prepared on PostgreSQL, each with one generic plan, and a
generic plan that would read a whole table does not slip in."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from claims.analysis import claim_analyze, claims_analyze
from claims.models import Flag, FlagKind
from tests.claims.texts import CONFLICT, ORIGINAL, REPEAT
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_caches")]


def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the prepared-statement tests on PostgreSQL: set DATABASE_URL")
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite has no prepared statements to see")


def _prepared() -> list[tuple[str, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement NOT LIKE 'SELECT statement, generic_plans%%'"
        )
        return list(cursor.fetchall())


def test_analysis_prepares_its_statements_once_with_generic_plans():
    _needs_postgres()
    claims = [ClaimFactory(text=t) for t in (ORIGINAL, REPEAT, CONFLICT)]
    connection.close()  # a worker's connection: nothing prepared yet
    for claim in claims:
        claim_analyze(claim_id=claim.pk)
    orm_flags = list(Flag.objects.filter(kind=FlagKind.REPEAT))
    prepared = _prepared()
    # The claims' read: the claims with their stored analyses, and their flags' partners.
    reads = [p for p in prepared if p[0].lstrip().startswith("SELECT c.id, c.text, c.status, NULL")]
    assert len(reads) == 1, "the claim read is prepared once per connection"
    assert sum(generic for _, generic, _ in prepared) >= 3 * 3
    assert all(custom == 0 for _, _, custom in prepared), "no statement is planned per run"
    # Django's own queries on the same connection are never prepared.
    assert not [p for p in prepared if '"claims_flag"."id"' in p[0]]
    assert len(orm_flags) == 1


def test_the_feed_replay_is_not_prepared():
    # Its range ("changes since") gets a generic plan that reads the whole feed.
    _needs_postgres()
    claim = ClaimFactory(text=ORIGINAL)
    connection.close()
    claim_analyze(claim_id=claim.pk)
    assert not [p for p in _prepared() if "pg_snapshot_xmin" in p[0] and "LEFT JOIN" in p[0]]


def test_nothing_is_prepared_when_turned_off(settings):
    _needs_postgres()
    settings.ANALYSIS_PREPARED_STATEMENTS = False
    a, b = ClaimFactory(text=ORIGINAL), ClaimFactory(text=REPEAT)
    connection.close()
    claims_analyze(claim_ids=[a.pk, b.pk])
    assert _prepared() == []
    assert Flag.objects.filter(claim_a=a, claim_b=b, kind=FlagKind.REPEAT).exists()
