"""Flag review at /desk/flags/: the list, its filters and counts, one flag side by side with
the evidence highlighted, and the editors' decisions through the claims services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims import engine
from claims.models import Claim, ClaimStatus, FlagKind, FlagStatus, Tag
from claims.services import flag_assign
from factchecks.models import ExternalMatch, ExternalReview
from tests.desk.queue_helpers import signed_in
from tests.factories import AppearanceFactory, ClaimFactory, FlagFactory, PublishedVerdictFactory

pytestmark = pytest.mark.django_db


def make_flag(**fields):
    # The model requires reasons (the analysis always gives some).
    fields.setdefault("reasons", ["Same wording (test)"])
    return FlagFactory(**fields)


def engine_flag(text_a, text_b, **fields):
    """A flag as the analysis stores it: the engine's own reasons and details for the pair."""
    a, b = ClaimFactory(text=text_a), ClaimFactory(text=text_b)
    result = engine.classify(engine.analyze(a.text), engine.analyze(b.text))
    fields.setdefault("kind", result.label)
    return FlagFactory(
        claim_a=a,
        claim_b=b,
        score=fields.pop("score", result.score),
        reasons=list(result.reasons),
        details=result.details,
        **fields,
    )


def conflict_flag():
    flag = engine_flag(
        "Ferry fares in Norway rose 60% in 2024.", "Ferry fares in Norway rose 90% in 2024."
    )
    assert flag.kind == FlagKind.CONFLICT
    return flag


def test_only_editors_review_flags(client, checker, editor):
    flag = make_flag()
    urls = [reverse("desk:flags"), reverse("desk:flag", args=[flag.pk])]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
        assert signed_in(checker).get(url).status_code == 403
        assert signed_in(editor).get(url).status_code == 200
    for name in ("desk:flag_confirm", "desk:flag_dismiss", "desk:flag_not_sure"):
        response = signed_in(checker).post(
            reverse(name, args=[flag.pk]), {"reason": "other", "note": "no"}
        )
        assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert flag.assigned_to is None


def test_list_orders_filters_and_counts(editor):
    health = Tag.objects.create(name="health")
    low = make_flag(kind=FlagKind.REPEAT, score=0.6, method="lexical")
    high = make_flag(kind=FlagKind.CONFLICT, score=0.95, method="semantic")
    mid = make_flag(kind=FlagKind.CONFLICT, score=0.8, method="verdict")
    mid.claim_b.tags.add(health)
    make_flag(kind=FlagKind.REPEAT, score=0.99, status=FlagStatus.DISMISSED)
    client = signed_in(editor)

    page = client.get(reverse("desk:flags")).context["page"]
    assert [f.pk for f in page.flags] == [high.pk, mid.pk, low.pk]
    assert page.counts == {"repeat": 1, "conflict": 2}

    def shown(**query):
        response = client.get(reverse("desk:flags"), query)
        assert response.status_code == 200
        return [f.pk for f in response.context["page"].flags]

    assert shown(kind="conflict") == [high.pk, mid.pk]
    assert shown(method="verdict") == [mid.pk]
    assert shown(min_score="0.7", max_score="0.9") == [mid.pk]
    assert shown(tag="health") == [mid.pk]
    assert shown(sort="newest") == [mid.pk, high.pk, low.pk]
    assert len(shown(status="all")) == 4
    assert len(shown(status="dismissed")) == 1
    assert shown(claim=str(mid.claim_b_id)) == [mid.pk]


def test_bad_filters_are_field_errors(editor):
    response = signed_in(editor).get(reverse("desk:flags"), {"min_score": "x", "max_score": "2"})
    assert response.status_code == 400
    errors = response.context["filter_form"].errors
    assert "min_score" in errors and "max_score" in errors


def test_flag_page_shows_both_claims_with_the_differing_figures_marked(editor):
    flag = conflict_flag()
    AppearanceFactory(claim=flag.claim_a, quote="Fares rose 60%.")
    PublishedVerdictFactory(claim=flag.claim_b, headline="Fares rose by much less")
    html = signed_in(editor).get(reverse("desk:flag", args=[flag.pk])).content.decode()
    assert '<mark class="hl hl-differ" title="Figures that differ">60%</mark>' in html
    assert '<mark class="hl hl-differ" title="Figures that differ">90%</mark>' in html
    # The shared subject is marked in both texts too.
    assert html.count('class="hl hl-subject"') >= 2
    assert "Numbers differ: 60% vs 90%" in html
    assert "Fares rose by much less" in html
    assert flag.claim_a.appearances.get().source.url in html
    assert "Confirm conflict" in html and "Confirm repeat" not in html


def test_negation_is_marked_on_the_negated_side_only():
    from desk.highlight import highlight_pair

    a = "The minister signed the fishing agreement with Iceland."
    b = "The minister did not sign the fishing agreement with Iceland."
    result = engine.classify(engine.analyze(a), engine.analyze(b))
    marked = highlight_pair(a, b, details=result.details, reasons=list(result.reasons))
    assert "hl-negation" not in marked.a
    assert '<mark class="hl hl-negation" title="Negation">not</mark>' in marked.b


def test_highlight_escapes_text_and_works_without_stored_details():
    from desk.highlight import highlight_pair

    marked = highlight_pair(
        "<b>Tax</b> rose 5% in 2023", "Tax rose 7% in 2023", details={}, reasons=[]
    )
    assert "<b>" not in marked.a and "&lt;b&gt;" in marked.a
    assert ">5%</mark>" in marked.a and ">7%</mark>" in marked.b


def test_confirm_conflict_keeps_who_and_history(editor):
    flag = conflict_flag()
    response = signed_in(editor).post(
        reverse("desk:flag_confirm", args=[flag.pk]), {"note": "Both cite 2024."}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED
    assert flag.resolved_by == editor
    assert flag.resolution_note == "Both cite 2024."
    latest = flag.history.latest("history_date")
    assert latest.history_user == editor
    assert latest.history_change_reason == "Confirmed: Both cite 2024."
    # Both claims stay: a conflict merges nothing.
    assert not Claim.objects.filter(status=ClaimStatus.MERGED).exists()


def test_confirm_repeat_merges_the_newer_claim(editor):
    flag = make_flag(kind=FlagKind.REPEAT)
    AppearanceFactory(claim=flag.claim_b)
    signed_in(editor).post(reverse("desk:flag_confirm", args=[flag.pk]))
    newer = Claim.objects.get(pk=flag.claim_b_id)
    assert newer.status == ClaimStatus.MERGED
    assert newer.canonical_id == flag.claim_a_id
    assert flag.claim_a.appearances.count() == 1


def test_dismiss_needs_a_reason(editor):
    flag = make_flag(kind=FlagKind.REPEAT)
    client = signed_in(editor)
    url = reverse("desk:flag_dismiss", args=[flag.pk])
    response = client.post(url, {"reason": "", "note": ""})
    assert response.status_code == 400
    assert "reason" in response.context["dismiss_form"].errors
    response = client.post(url, {"reason": "other", "note": "  "})
    assert response.status_code == 400
    assert "note" in response.context["dismiss_form"].errors
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN

    response = client.post(url, {"reason": "different_subject", "note": "910C vs 910D"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
    assert flag.resolution_note == "Different subjects: 910C vs 910D"
    assert flag.resolved_by == editor
    # Deciding twice is refused with a message, not a 500.
    response = client.post(url, {"reason": "misread"})
    assert response.status_code == 400
    assert "dismissed already" in response.content.decode()


def test_decided_flags_show_under_their_filter_with_who_and_why(editor):
    flag = make_flag(kind=FlagKind.REPEAT)
    client = signed_in(editor)
    client.post(reverse("desk:flag_dismiss", args=[flag.pk]), {"reason": "compatible"})
    assert client.get(reverse("desk:flags")).context["page"].flags == []
    html = client.get(reverse("desk:flags"), {"status": "dismissed"}).content.decode()
    assert f"#{flag.pk}" in html
    assert "by editor" in html and "The statements are compatible" in html


def test_not_sure_passes_the_flag_to_another_editor(editor, other_editor, checker):
    flag = make_flag()
    client = signed_in(editor)
    url = reverse("desk:flag_not_sure", args=[flag.pk])
    response = client.post(url, {"assigned_to": other_editor.pk, "assignment_note": ""})
    assert response.status_code == 400
    response = client.post(
        url, {"assigned_to": other_editor.pk, "assignment_note": "Is 2023 the same survey?"}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert flag.assigned_to == other_editor
    assert flag.history.latest("history_date").history_change_reason == (
        "Not sure; passed to editor2: Is 2023 the same survey?"
    )
    mine = signed_in(other_editor).get(reverse("desk:flags"), {"mine": "on"})
    assert [f.pk for f in mine.context["page"].flags] == [flag.pk]
    # The service refuses a checker or oneself as the next editor.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        flag_assign(actor=editor, flag=flag, assignee=checker, note="?")
    with pytest.raises(ValidationError):
        flag_assign(actor=editor, flag=flag, assignee=editor, note="?")


def test_next_flag_follows_the_list_order(editor):
    first = make_flag(score=0.9)
    second = make_flag(score=0.8)
    third = make_flag(score=0.7)
    client = signed_in(editor)
    assert client.get(reverse("desk:flag", args=[first.pk])).context["page"].next_id == second.pk
    assert client.get(reverse("desk:flag", args=[third.pk])).context["page"].next_id == first.pk
    # "then=next" opens the next flag after the decision.
    response = client.post(
        reverse("desk:flag_dismiss", args=[first.pk]), {"reason": "misread", "then": "next"}
    )
    assert response["Location"] == reverse("desk:flag", args=[second.pk])


def test_claim_page_links_to_its_flags(editor):
    flag = make_flag()
    html = signed_in(editor).get(reverse("queue:claim", args=[flag.claim_a_id])).content.decode()
    assert reverse("desk:flag", args=[flag.pk]) in html
    assert f"{reverse('desk:flags')}?status=all&amp;claim={flag.claim_a_id}" in html


# Session, user, roles, tags for the filter, counts per kind, the page of flags.
LIST_QUERIES = 6
# Session, user, roles, the flag with claims and claimants, appearances with sources,
# published verdicts, other outlets' fact-checks, the flag's history, the editors, the next
# flag.
FLAG_QUERIES = 10


@pytest.mark.parametrize("rows", [2, 20])
def test_flag_list_query_count_is_fixed(editor, django_assert_num_queries, rows):
    tag = Tag.objects.create(name="economy")
    for i in range(rows):
        flag = make_flag(kind=FlagKind.values[i % 2], status=FlagStatus.values[i % 3])
        flag.claim_a.tags.add(tag)
    client = signed_in(editor)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("desk:flags"), {"status": "all", "tag": "economy"})
    assert len(response.context["page"].flags) == rows


@pytest.mark.parametrize("appearances", [1, 8])
def test_flag_page_query_count_is_fixed(
    editor, other_editor, django_assert_num_queries, appearances
):
    flag = conflict_flag()
    make_flag()
    for _ in range(appearances):
        AppearanceFactory(claim=flag.claim_a)
        AppearanceFactory(claim=flag.claim_b)
    PublishedVerdictFactory(claim=flag.claim_a)
    for i in range(appearances):
        review = ExternalReview.objects.create(
            url=f"https://checks.example.net/r/{i}", claim_reviewed="Tolls fell.", raw={},
            fingerprint=str(i), publisher_name=f"Outlet {i}", rating_label="False",
        )  # fmt: skip
        ExternalMatch.objects.create(claim=flag.claim_b, review=review, score=0.9)
    signed_in(editor).post(reverse("desk:flag_confirm", args=[flag.pk]))
    client = signed_in(other_editor)
    with django_assert_num_queries(FLAG_QUERIES):
        response = client.get(reverse("desk:flag", args=[flag.pk]))
    assert response.status_code == 200
    # Beside the claim: other outlets' fact-checks, the most relevant few.
    shown = response.context["page"].b.elsewhere
    assert len(shown) == min(appearances, 3)
    assert "Outlet 0" in response.content.decode()
