"""Every endpoint's rows depend on the caller, decided in the base viewset."""

from __future__ import annotations

import pytest
from django.db.models import QuerySet

from claimdesk.api.base import ScopedViewSet
from claims.models import Claim, ClaimStatus
from reviews.models import VerdictState
from tests.api.conftest import client_for, issue_token, make_review
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    FlagFactory,
    SourceFactory,
    VerdictFactory,
)


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def world(db):
    """One published review, one draft, one retracted, and a claim only staff know about."""
    published = make_review()
    draft = VerdictFactory(state=VerdictState.DRAFT)
    retracted = make_review()
    retracted.state = VerdictState.RETRACTED
    retracted.save()
    internal = ClaimFactory(status=ClaimStatus.TRIAGE)
    internal_source = SourceFactory()
    AppearanceFactory(claim=internal, source=internal_source)
    return {
        "published": published,
        "draft": draft,
        "retracted": retracted,
        "internal": internal,
        "internal_source": internal_source,
    }


def test_claim_reviews_are_published_verdicts_only_for_everyone(world, publisher, editor):
    for user in (publisher, editor):
        client = client_for(issue_token(user))
        assert ids(client.get("/api/v1/claim-reviews/")) == {world["published"].pk}
        for hidden in ("draft", "retracted"):
            url = f"/api/v1/claim-reviews/{world[hidden].pk}/"
            assert client.get(url).status_code == 404


def test_publishers_see_claims_with_a_published_verdict_staff_see_all(world, publisher, checker):
    as_publisher = client_for(issue_token(publisher))
    assert ids(as_publisher.get("/api/v1/claims/")) == {world["published"].claim_id}
    assert as_publisher.get(f"/api/v1/claims/{world['internal'].pk}/").status_code == 404
    as_checker = client_for(issue_token(checker))
    assert ids(as_checker.get("/api/v1/claims/")) == set(Claim.objects.values_list("pk", flat=True))


def test_publishers_see_sources_of_published_work_only(world, publisher, editor):
    published_sources = {a.source_id for a in world["published"].claim.appearances.all()} | {
        e.source_id for e in world["published"].evidence.all()
    }
    as_publisher = client_for(issue_token(publisher))
    assert ids(as_publisher.get("/api/v1/sources/")) == published_sources
    url = f"/api/v1/sources/{world['internal_source'].pk}/"
    assert as_publisher.get(url).status_code == 404
    as_editor = client_for(issue_token(editor))
    assert world["internal_source"].pk in ids(as_editor.get("/api/v1/sources/"))


def test_flags_are_for_staff_only(world, publisher, checker):
    flag = FlagFactory()
    assert client_for(issue_token(publisher)).get("/api/v1/flags/").status_code == 403
    assert ids(client_for(issue_token(checker)).get("/api/v1/flags/")) == {flag.pk}


def test_a_submitted_claim_is_visible_to_its_submitter_only(publisher, other_publisher):
    mine = client_for(issue_token(publisher))
    theirs = client_for(issue_token(other_publisher))
    response = mine.post(
        "/api/v1/claims/",
        {"text": "Bridges in the region are 90% rusted.", "source_url": "https://e.org/p"},
        format="json",
    )
    assert response.status_code == 201
    url = f"/api/v1/claims/{response.json()['id']}/"
    assert mine.get(url).status_code == 200
    assert theirs.get(url).status_code == 404
    assert ids(theirs.get("/api/v1/claims/")) == set()


def test_users_without_a_role_see_nothing(outsider, world):
    client = client_for(issue_token(outsider))
    assert client.get("/api/v1/claim-reviews/").status_code == 403


def test_a_viewset_cannot_replace_the_scoped_queryset():
    with pytest.raises(TypeError, match="get_queryset"):

        class Leaky(ScopedViewSet[Claim]):
            def get_queryset(self) -> QuerySet[Claim]:
                return Claim.objects.all()
