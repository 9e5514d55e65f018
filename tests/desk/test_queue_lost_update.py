"""Two people saving the same draft at the same moment on PostgreSQL: one wins, one is told.

The revision is checked under the verdict's row lock, so even truly simultaneous saves made
from the same loaded revision cannot both succeed.
"""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections

from reviews.models import Verdict
from reviews.services import StaleVerdictError, assignment_create, verdict_create, verdict_update
from tests.desk.queue_helpers import VERDICT, queued_claim

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_saves_of_one_revision_let_exactly_one_through(editor, checker):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the lost-update test on PostgreSQL: set DATABASE_URL")
        pytest.skip("needs PostgreSQL (DATABASE_URL) for concurrent transactions")
    claim = queued_claim()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    draft = verdict_create(actor=checker, claim=claim, **VERDICT)
    loaded = draft.revision
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who, user, text):
        try:
            verdict = Verdict.objects.get(pk=draft.pk)
            barrier.wait(10)
            verdict_update(actor=user, verdict=verdict, expected_revision=loaded, explanation=text)
            outcomes[who] = "saved"
        except StaleVerdictError:
            outcomes[who] = "refused"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=("checker", checker, "Checker's text")),
        threading.Thread(target=save, args=("editor", editor, "Editor's text")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(who for who, result in outcomes.items() if result == "saved")
    draft.refresh_from_db()
    assert draft.explanation == f"{winner.capitalize()}'s text"
    assert draft.revision == loaded + 1
