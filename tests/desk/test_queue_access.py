"""Every queue URL refuses the wrong people. The list comes from the URL resolver, so a new
queue URL without a row in EXPECTED fails this test until someone decides who may use it."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ingest import extract
from ingest.models import IngestOrigin
from ingest.services import ingest_body
from reviews.services import assignment_create, verdict_create, verdict_submit
from tests.desk.queue_helpers import VERDICT, queued_claim, signed_in

pytestmark = pytest.mark.django_db

PUBLIC = "public"
STAFF = "staff"  # fact-checkers and editors
EDITORS = "editors"

# url name -> (who may use it, HTTP method)
EXPECTED: dict[str, tuple[str, str]] = {
    "login": (PUBLIC, "get"),
    "logout": (PUBLIC, "post"),
    "index": (STAFF, "get"),
    "take_next": (STAFF, "post"),
    "preview": (STAFF, "post"),
    "claim": (STAFF, "get"),
    "verdict_save": (STAFF, "post"),
    "evidence_add": (STAFF, "post"),
    "verdict_reuse": (STAFF, "post"),
    "approvals": (EDITORS, "get"),
    "verdict_approve": (EDITORS, "post"),
    "verdict_return": (EDITORS, "post"),
    "verdict_publish": (EDITORS, "post"),
    "verdict_correct": (EDITORS, "post"),
    "verdict_retract": (EDITORS, "post"),
    # Ingest: fact-checkers and editors bring sources in and go through their candidates (the
    # services decide which decisions each may take).
    "source_new": (STAFF, "get"),
    "source": (STAFF, "get"),
    "candidate_decide": (STAFF, "post"),
    "candidates_accept": (STAFF, "post"),
}


def queue_url_names() -> set[str]:
    resolver = get_resolver()
    (queue,) = [
        p for p in resolver.url_patterns if isinstance(p, URLResolver) and p.namespace == "queue"
    ]
    return {p.name for p in queue.url_patterns if isinstance(p, URLPattern) and p.name}


def test_every_queue_url_has_an_access_rule():
    assert queue_url_names() == set(EXPECTED)


@pytest.fixture
def urls(editor, checker):
    claim = queued_claim()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    verdict = verdict_create(actor=checker, claim=claim, **VERDICT)
    verdict_submit(actor=checker, verdict=verdict)
    source = ingest_body(
        actor=editor,
        extracted=extract.from_text("Ferry fares rose 30% last year, the operator said."),
        origin=IngestOrigin.TEXT,
    ).source
    args = {
        "source": [source.pk],
        "candidate_decide": [source.candidates.get().pk],
        "candidates_accept": [source.pk],
        "claim": [claim.pk],
        "verdict_save": [claim.pk],
        "evidence_add": [claim.pk],
        "verdict_reuse": [claim.pk, verdict.pk],
    }
    return {
        name: reverse(
            f"queue:{name}",
            args=args.get(name, [verdict.pk] if name.startswith("verdict_") else []),
        )
        for name in EXPECTED
    }


@pytest.mark.parametrize("name", sorted(n for n, (who, _) in EXPECTED.items() if who != PUBLIC))
def test_anonymous_visitors_are_sent_to_sign_in(client, urls, name):
    method = EXPECTED[name][1]
    response = getattr(client, method)(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("queue:login"))


@pytest.mark.parametrize("name", sorted(n for n, (who, _) in EXPECTED.items() if who != PUBLIC))
@pytest.mark.parametrize("persona", ["outsider", "publisher"])
def test_users_without_a_desk_role_are_refused(request, urls, name, persona):
    user = request.getfixturevalue(persona)
    method = EXPECTED[name][1]
    assert getattr(signed_in(user), method)(urls[name]).status_code == 403


@pytest.mark.parametrize("name", sorted(n for n, (who, _) in EXPECTED.items() if who == EDITORS))
def test_fact_checkers_are_refused_editor_urls(other_checker, urls, name):
    method = EXPECTED[name][1]
    assert getattr(signed_in(other_checker), method)(urls[name]).status_code == 403


def test_fact_checkers_and_editors_reach_the_queue(checker, editor, urls):
    assert signed_in(checker).get(urls["index"]).status_code == 200
    assert signed_in(editor).get(urls["index"]).status_code == 200
    assert signed_in(editor).get(urls["approvals"]).status_code == 200
