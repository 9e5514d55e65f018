"""Every list endpoint runs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publishing.models import ReviewChange
from reviews.models import ChangeKind
from tests.api.conftest import client_for, issue_token, make_review
from tests.factories import FlagFactory

# Pinned per endpoint: token lookup (with the caller's roles), the page's rows (no COUNT:
# pages carry no total), and one query per related list (tags, appearances, evidence or
# verdicts). (The token's last-used write happens at most once a minute.)
LIST_QUERIES = {
    "claim-reviews": 5,
    "claims": 5,
    "sources": 2,
    "flags": 2,
    "changes": 5,
}


def populate(n):
    for _ in range(n):
        review = make_review(tags=("economy", "health"), appearances=2, evidence=2)
        FlagFactory(claim_a=review.claim)
        ReviewChange.objects.create(verdict=review, kind=ChangeKind.PUBLISHED, version=1)


def list_queries(client, endpoint, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", sorted(LIST_QUERIES))
def test_list_query_count_does_not_grow_with_rows(editor, endpoint):
    client = client_for(issue_token(editor))
    populate(3)
    client.get("/api/v1/sources/")  # records the token's first use outside the measurement
    few, few_rows = list_queries(client, endpoint)
    populate(27)
    many, many_rows = list_queries(client, endpoint)
    assert many_rows > few_rows >= 3
    assert few == many == LIST_QUERIES[endpoint]


def test_jsonld_list_costs_the_same_as_json(publisher):
    client = client_for(issue_token(publisher))
    populate(3)
    client.get("/api/v1/sources/")
    few, _ = list_queries(client, "claim-reviews", format="jsonld")
    populate(27)
    many, _ = list_queries(client, "claim-reviews", format="jsonld")
    assert few == many == LIST_QUERIES["claim-reviews"]
