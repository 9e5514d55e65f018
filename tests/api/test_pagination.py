"""List pages: page numbers with next/previous links and no total count."""

from __future__ import annotations

from tests.api.conftest import make_review

LIST = "/api/v1/claim-reviews/"


def test_pages_walk_forward_and_back_without_overlap(publisher_client, db):
    made = {make_review().pk for _ in range(5)}
    first = publisher_client.get(LIST, {"page_size": 2}).json()
    assert "count" not in first and first["previous"] is None and first["next"]
    second = publisher_client.get(first["next"]).json()
    third = publisher_client.get(second["next"]).json()
    assert third["next"] is None and len(third["results"]) == 1
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert sorted(seen) == sorted(made)
    back = publisher_client.get(third["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
    assert "page=" not in second["previous"]


def test_a_full_last_page_has_no_next(publisher_client, db):
    for _ in range(4):
        make_review()
    second = publisher_client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 2 and second["next"] is None


def test_a_page_past_the_end_or_not_a_page_is_not_found(publisher_client, db):
    make_review()
    assert publisher_client.get(LIST, {"page": 2}).status_code == 404
    assert publisher_client.get(LIST, {"page": "0"}).status_code == 404
    assert publisher_client.get(LIST, {"page": "last"}).status_code == 404


def test_an_empty_list_is_one_empty_page(publisher_client, db):
    body = publisher_client.get(LIST).json()
    assert body == {"next": None, "previous": None, "results": []}


def test_the_schema_describes_pages_without_a_count(db, client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedClaimReviewList"]
    assert set(page["required"]) == {"next", "previous", "results"}
    assert "count" not in page["properties"]


def test_numbers_past_the_database_range_are_client_errors(publisher_client, db):
    make_review()
    huge = str(10**30)
    assert publisher_client.get(LIST, {"page": huge}).status_code == 404
    assert publisher_client.get(LIST, {"page": "²"}).status_code == 404
    assert publisher_client.get("/api/v1/sources/", {"page": huge}).status_code == 404
    feed = publisher_client.get("/api/v1/changes/", {"after": huge})
    assert feed.status_code == 400 and "after" in feed.json()
    claimant = publisher_client.get(LIST, {"claimant": huge})
    assert claimant.status_code == 400 and "claimant" in claimant.json()
    assert publisher_client.get("/api/v1/claims/", {"claimant": huge}).status_code == 400
