"""The queue and claim pages run a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Flag, FlagKind, Tag
from reviews.services import assignment_create, evidence_add, verdict_create
from tests.desk.queue_helpers import VERDICT, queued_claim, signed_in
from tests.factories import AppearanceFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

# Session, user, roles, tags for the filter, my claims + their tags, ranking, unassigned
# rows + their tags, and the count of unassigned claims.
QUEUE_QUERIES = 10
# Session, user, roles, the claim (+ tags), appearances, flags + the other claims' verdicts,
# verdicts, evidence, verdict history, open assignment, claim history, other outlets' checks.
CLAIM_QUERIES = 14


def fill_queue(editor, checker, n):
    tag = Tag.objects.get_or_create(name="economy")[0]
    for i in range(n):
        claim = queued_claim(appearances=1 + i % 3)
        claim.tags.add(tag)
        if i % 3 == 0:
            assignment_create(actor=editor, claim=claim, reviewer=checker)


@pytest.mark.parametrize("rows", [3, 30])
def test_queue_page_query_count_is_fixed(editor, checker, django_assert_num_queries, rows):
    fill_queue(editor, checker, rows)
    client = signed_in(checker)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("queue:index"))
    assert response.status_code == 200
    assert response.content.decode().count('class="row"') == rows


def make_claim_page(editor, checker, n):
    claim = queued_claim(appearances=n)
    claim.tags.add(Tag.objects.get_or_create(name="health")[0])
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    verdict = verdict_create(actor=checker, claim=claim, **VERDICT)
    for _ in range(n):
        evidence_add(actor=checker, verdict=verdict, source=SourceFactory(), stance="refutes")
        other = ClaimFactory()
        AppearanceFactory(claim=other)
        low, high = sorted([claim, other], key=lambda c: c.pk)
        Flag.objects.create(
            claim_a=low, claim_b=high, kind=FlagKind.REPEAT, score=0.8, method="lexical",
            engine_version="t", text_key="k",
        )  # fmt: skip
    return claim


@pytest.mark.parametrize("rows", [3, 30])
def test_claim_page_query_count_is_fixed(editor, checker, django_assert_num_queries, rows):
    claim = make_claim_page(editor, checker, rows)
    client = signed_in(checker)
    with django_assert_num_queries(CLAIM_QUERIES):
        response = client.get(reverse("queue:claim", args=[claim.pk]))
    html = response.content.decode()
    assert html.count("<blockquote>") == rows
    assert html.count('class="badge stance-refutes"') == rows


def test_counts_do_not_grow_between_sizes(editor, checker):
    """The same check without pinned numbers, so a drift shows as growth, not as a new pin."""
    client = signed_in(checker)
    counts = []
    for rows in (3, 30):
        fill_queue(editor, checker, rows)
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("queue:index"))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
