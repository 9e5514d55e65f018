"""Shared fixtures: the named personas every test speaks of."""

from __future__ import annotations

import pytest

from claims.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.factories import UserFactory

# A private redis-server and real Celery workers, for the fault tests of every app.
pytest_plugins = ["tests.faults"]


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", is_staff=True, roles=[EDITORS])


@pytest.fixture
def other_editor(db):
    return UserFactory(username="editor2", is_staff=True, roles=[EDITORS])


@pytest.fixture
def checker(db):
    return UserFactory(username="checker", roles=[FACT_CHECKERS])


@pytest.fixture
def other_checker(db):
    return UserFactory(username="checker2", roles=[FACT_CHECKERS])


@pytest.fixture
def publisher(db):
    return UserFactory(username="publisher", roles=[PUBLISHERS])


@pytest.fixture
def other_publisher(db):
    return UserFactory(username="publisher2", roles=[PUBLISHERS])


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
