"""The editors' admin: every page renders, lists use a fixed number of queries, saves use services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Appearance, Claim, Claimant, ClaimStatus, Flag
from reviews.models import Assignment, Verdict, VerdictState
from sources.models import Source
from tests.factories import (
    AppearanceFactory,
    AssignmentFactory,
    ClaimFactory,
    SourceFactory,
    VerdictFactory,
)

MODELS = [Claim, Claimant, Appearance, Source, Verdict, Assignment, Flag]

# The pinned number of queries for each changelist, whatever the number of rows on the page:
# session, user, the page's rows and their annotations, the paginator's count, and filters.
CHANGELIST_QUERIES = {
    "claim": 9,
    "claimant": 7,
    "appearance": 6,
    "source": 7,
    "verdict": 6,
    "assignment": 6,
    "flag": 7,
}


def populate(n, checker):
    previous = None
    for i in range(n):
        claim = ClaimFactory()
        if previous is not None:
            Flag.objects.create(
                claim_a=previous,
                claim_b=claim,
                kind="repeat",
                score=0.9,
                method="lexical",
                reasons=["Same subject: test"],
                engine_version="t",
                text_key="t",
            )
        previous = claim
        AppearanceFactory(claim=claim)
        AppearanceFactory(claim=claim, source=SourceFactory())
        if i % 2:
            AssignmentFactory(claim=claim, reviewer=checker)
        VerdictFactory(claim=claim, state=VerdictState.DRAFT, author=checker)


def changelist_queries(client, model) -> int:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_query_count_is_fixed(editor_client, checker, model):
    populate(3, checker)
    few = changelist_queries(editor_client, model)
    populate(12, checker)
    many = changelist_queries(editor_client, model)
    assert few == many == CHANGELIST_QUERIES[model._meta.model_name]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_add_change_and_history_pages_render(editor_client, checker, model):
    populate(2, checker)
    obj = model.objects.first()
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [] if model is Flag else [reverse(f"{info}_add")]  # flags come from analysis only
    for url in (
        *pages,
        reverse(f"{info}_change", args=[obj.pk]),
        reverse(f"{info}_history", args=[obj.pk]),
    ):
        assert editor_client.get(url).status_code == 200, url


def test_claim_change_page_query_count_does_not_grow_with_inlines(editor_client, checker):
    claim = ClaimFactory()
    AppearanceFactory(claim=claim)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    with CaptureQueriesContext(connection) as few:
        editor_client.get(url)
    for _ in range(8):
        AppearanceFactory(claim=claim)
    with CaptureQueriesContext(connection) as many:
        editor_client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_search_and_filters_narrow_the_list(editor_client, checker):
    wanted = ClaimFactory(text="Ascend 910C reaches 60% of H100 inference")
    ClaimFactory(text="Qwen3 passed 300 million downloads")
    AssignmentFactory(claim=wanted, reviewer=checker)
    url = reverse("admin:claims_claim_changelist")
    response = editor_client.get(url, {"q": "910C"})
    assert list(response.context["cl"].result_list) == [wanted]
    response = editor_client.get(url, {"reviewer": str(checker.pk)})
    assert list(response.context["cl"].result_list) == [wanted]
    response = editor_client.get(url, {"reviewer": "none"})
    assert wanted not in list(response.context["cl"].result_list)


def test_admin_add_goes_through_the_service_and_records_the_editor(editor_client, editor):
    source = SourceFactory()
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        {
            "text": "Huawei plans to ship 800,000 chips this year.",
            "language": "en",
            "priority": "2",
            "appearances-TOTAL_FORMS": "0",
            "appearances-INITIAL_FORMS": "0",
            "appearances-2-TOTAL_FORMS": "1",
            "appearances-2-INITIAL_FORMS": "0",
            "appearances-2-0-source": str(source.pk),
            "appearances-2-0-quote": "ship over 800,000 chips",
            "appearances-2-0-stance": "reports",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
            "verdicts-TOTAL_FORMS": "0",
            "verdicts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    claim = Claim.objects.get()
    assert claim.created_by == editor
    assert claim.status == ClaimStatus.TRIAGE
    assert claim.appearances.get().created_by == editor
    assert claim.history.get().history_user == editor


def test_admin_form_shows_field_errors_instead_of_failing(editor_client):
    response = editor_client.post(
        reverse("admin:reviews_verdict_add"),
        {
            "claim": str(ClaimFactory().pk),
            "rating": "false",
            "headline": "h" * 80,
            "explanation": "x",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "headline" in response.context["adminform"].form.errors
    assert not Verdict.objects.exists()


def test_assign_action_assigns_through_the_service(editor_client, editor, checker):
    claims = [ClaimFactory(), ClaimFactory()]
    url = reverse("admin:claims_claim_changelist")
    ids = [str(c.pk) for c in claims]
    page = editor_client.post(url, {"action": "assign_to_checker", "_selected_action": ids})
    assert page.status_code == 200
    assert b"Assign claims to a fact-checker" in page.content
    done = editor_client.post(
        url,
        {
            "action": "assign_to_checker",
            "_selected_action": ids,
            "apply": "1",
            "reviewer": str(checker.pk),
        },
    )
    assert done.status_code == 302
    assert set(Assignment.objects.values_list("claim_id", "reviewer_id", "assigned_by_id")) == {
        (c.pk, checker.pk, editor.pk) for c in claims
    }
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.IN_REVIEW}


def test_status_action_reports_refusals_as_messages(editor_client):
    ok = ClaimFactory(status=ClaimStatus.TRIAGE)
    merged_target = ClaimFactory()
    merged = ClaimFactory(status=ClaimStatus.MERGED, canonical=merged_target)
    response = editor_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "set_status_not_checkable", "_selected_action": [ok.pk, merged.pk]},
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "cannot go from" in text
    assert "1 claim(s) set to" in text
    ok.refresh_from_db()
    assert ok.status == ClaimStatus.NOT_CHECKABLE


@pytest.mark.parametrize("persona", ["checker", "publisher", "outsider"])
def test_only_staff_editors_reach_the_admin(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_claim_and_source_lists_keep_their_columns_across_apps(editor_client, checker):
    """claims and sources register their own admins; the apps above them extend those pages in
    place (reviews adds rating and reviewer, claims adds the appearance count). The pages an
    editor sees show every column, with the review's values filled in."""
    claim = ClaimFactory(text="Rail fares rose 4.9% in March.")
    AppearanceFactory(claim=claim)
    AssignmentFactory(claim=claim, reviewer=checker)
    VerdictFactory(claim=claim, state=VerdictState.DRAFT, author=checker, rating="false")

    page = editor_client.get(reverse("admin:claims_claim_changelist")).content.decode()
    for header in ("Rating", "Reviewer", "Appearances", "Open flags"):
        assert f">{header}<" in page or f">{header}</a>" in page
    assert checker.username in page
    assert "not published" in page

    page = editor_client.get(reverse("admin:sources_source_changelist")).content.decode()
    assert "Appearances" in page
