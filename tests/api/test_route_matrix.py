"""Every API route, for each persona and method, answers as this table says.

The routes are read from the URL resolver (the ``api`` namespace), so adding a route without a
row here fails ``test_every_api_route_has_a_row``.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from publishing.webhook_services import webhook_endpoint_create
from tests.api.conftest import client_for, issue_token, make_review

# A public address written as an IP, so registering it needs no DNS.
PUBLIC_HOOK = "https://93.184.215.14/hooks/claimdesk"
PERSONAS = ("anonymous", "publisher", "other_publisher", "checker", "editor")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def row(get, *, post=None, delete=None):
    """Statuses per method and persona: ``get`` and ``post`` name the authenticated answers
    per persona (publisher, other publisher, checker, editor); other writes are not offered.
    Anonymous callers get 401 from every data route."""
    table = {"GET": dict(zip(PERSONAS, (401, *get), strict=True))}
    for method in WRITES:
        answers = {"POST": post, "DELETE": delete}.get(method) or (405, 405, 405, 405)
        table[method] = dict(zip(PERSONAS, (401, *answers), strict=True))
    return table


def public_row():
    """The schema and docs: readable by anyone, nothing to write."""
    return {m: dict.fromkeys(PERSONAS, 200 if m == "GET" else 405) for m in METHODS}


MATRIX = {
    "claimreview-list": row((200, 200, 200, 200)),
    "claimreview-detail": row((200, 200, 200, 200)),
    "change-list": row((200, 200, 200, 200)),
    # The detail object is a claim the publisher submitted: theirs, not the other publisher's.
    "claim-list": row((200, 200, 200, 200), post=(201, 201, 201, 201)),
    "claim-detail": row((200, 404, 200, 200)),
    # Staff bring sources in (ingest) and read their candidate sentences.
    # Publishers may submit a source (the submit scope), as they may submit a claim.
    "source-list": row((200, 200, 200, 200), post=(201, 201, 201, 201)),
    "source-detail": row((200, 200, 200, 200)),
    "source-candidates": row((403, 403, 200, 200)),
    "flag-list": row((403, 403, 200, 200)),
    "flag-detail": row((403, 403, 200, 200)),
    "externalreview-list": row((403, 403, 200, 200)),
    "externalreview-detail": row((403, 403, 200, 200)),
    # Everyone manages only their own endpoints; the detail object is the publisher's.
    "webhook-list": row((200, 200, 200, 200), post=(201, 201, 201, 201)),
    "webhook-detail": row((200, 404, 404, 404), delete=(204, 404, 404, 404)),
    "schema": public_row(),
    "docs": public_row(),
}


def api_route_names():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name is not None:
                # The one unnamed route is the catch-all JSON 404 (test_strict_input.py).
                yield pattern.name

    (api,) = [
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "api"
    ]
    return set(walk(api.url_patterns))


def test_every_api_route_has_a_row():
    assert api_route_names() == set(MATRIX)


def test_every_row_covers_every_method_and_persona():
    for name, table in MATRIX.items():
        assert set(table) == set(METHODS), name
        assert all(set(by_persona) == set(PERSONAS) for by_persona in table.values()), name


@pytest.fixture
def objects(publisher):
    review = make_review()
    from tests.factories import FlagFactory

    flag = FlagFactory(claim_a=review.claim)
    submitted = client_for(issue_token(publisher)).post(
        "/api/v1/claims/",
        {"text": "Ferries now run on seawater.", "source_url": "https://e.org/ferries"},
        format="json",
    )
    assert submitted.status_code == 201
    endpoint, _ = webhook_endpoint_create(
        actor=publisher, url=PUBLIC_HOOK, events=["claimreview.published"]
    )
    from factchecks.models import ExternalReview

    external = ExternalReview.objects.create(
        url="https://checks.example.net/r/1", claim_reviewed="Tolls fell.", raw={}, fingerprint="x"
    )
    return {
        "externalreview": external.pk,
        "webhook": endpoint.pk,
        "claimreview": review.pk,
        "claim": submitted.json()["id"],
        "source": review.claim.appearances.first().source_id,
        "flag": flag.pk,
    }


def url_for(name, objects):
    detail = name.endswith(("-detail", "-candidates"))
    kwargs = {"pk": objects[name.split("-")[0]]} if detail else {}
    return reverse(f"api:{name}", kwargs=kwargs)


CASES = [
    (name, method, persona) for name in sorted(MATRIX) for method in METHODS for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "method", "persona"), CASES)
def test_route_answers_as_the_matrix_says(request, objects, name, method, persona):
    client = (
        client_for()
        if persona == "anonymous"
        else client_for(issue_token(request.getfixturevalue(persona)))
    )
    if name.startswith("webhook"):
        body = {"url": PUBLIC_HOOK, "events": ["claimreview.published"]}
    else:
        body = {
            "text": f"Tolls fell by {len(persona)}0% on {name}.",
            "source_url": "https://e.org/t",
        }
    response = getattr(client, method.lower())(url_for(name, objects), body, format="json")
    assert response.status_code == MATRIX[name][method][persona], response.content[:300]
