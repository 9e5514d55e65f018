"""API fixtures: a token per persona, clients that send them, and published reviews."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from claims.models import ClaimantKind, Tag
from publishing.services import api_token_create
from tests.factories import (
    AppearanceFactory,
    ClaimantFactory,
    EvidenceFactory,
    PublishedVerdictFactory,
    SourceFactory,
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Throttle counters live in the cache (Redis in CI); start every test with a clean budget.
    cache.clear()
    yield
    cache.clear()


def issue_token(user, scopes=("read", "submit")):
    _, token = api_token_create(actor=None, user=user, name=f"{user.username} test", scopes=scopes)
    return token


def client_for(token=None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def publisher_client(publisher):
    return client_for(issue_token(publisher))


@pytest.fixture
def anonymous_client():
    return APIClient()


def make_review(*, tags=("economy",), appearances=1, evidence=1, **fields):
    """A published verdict with a claimant, tags, appearances (with sources) and evidence."""
    claimant = ClaimantFactory(kind=ClaimantKind.PERSON)
    verdict = PublishedVerdictFactory(claim__claimant=claimant, **fields)
    for name in tags:
        tag, _ = Tag.objects.get_or_create(name=name)
        verdict.claim.tags.add(tag)
    for _ in range(appearances):
        AppearanceFactory(claim=verdict.claim, source=SourceFactory())
    for _ in range(evidence):
        EvidenceFactory(verdict=verdict)
    return verdict


@pytest.fixture
def review(db):
    return make_review()
