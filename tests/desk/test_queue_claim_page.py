"""The claim page: appearances, open flags with the related claims' verdicts, reuse, history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Flag, FlagKind
from reviews.models import Verdict, VerdictState
from reviews.services import (
    assignment_create,
    evidence_add,
    verdict_approve,
    verdict_create,
    verdict_publish,
    verdict_submit,
)
from tests.desk.queue_helpers import VERDICT, queued_claim, signed_in
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def published_repeat(editor, other_editor, checker, claim):
    """A claim flagged as a repeat of ``claim`` whose verdict is already published."""
    earlier = queued_claim(text="Ferry fares went up by 30 percent in 2024.")
    assignment_create(actor=editor, claim=earlier, reviewer=checker)
    verdict = verdict_create(actor=checker, claim=earlier, **VERDICT)
    evidence_add(actor=checker, verdict=verdict, source=SourceFactory(), stance="refutes")
    verdict_submit(actor=checker, verdict=verdict)
    verdict_approve(actor=other_editor, verdict=verdict)
    verdict_publish(actor=other_editor, verdict=verdict)
    low, high = sorted([claim, earlier], key=lambda c: c.pk)
    Flag.objects.create(
        claim_a=low, claim_b=high, kind=FlagKind.REPEAT, score=0.93, method="lexical",
        engine_version="t", text_key="k", reasons=["same figures", "same claimant"],
    )  # fmt: skip
    return earlier, verdict


def test_claim_page_shows_appearances_flags_and_related_verdicts(editor, other_editor, checker):
    claim = queued_claim(appearances=2)
    earlier, verdict = published_repeat(editor, other_editor, checker, claim)
    html = signed_in(checker).get(reverse("queue:claim", args=[claim.pk])).content.decode()
    assert html.count("<blockquote>") == 2
    for appearance in claim.appearances.select_related("source"):
        assert appearance.source.url in html
    assert earlier.text in html
    assert "same figures; same claimant" in html
    assert verdict.headline in html
    assert "Created" in html  # claim history


def test_reuse_a_repeat_verdict_in_one_click(editor, other_editor, checker):
    claim = queued_claim()
    assignment_create(actor=editor, claim=claim, reviewer=checker)
    _, original = published_repeat(editor, other_editor, checker, claim)
    client = signed_in(checker)
    page = client.get(reverse("queue:claim", args=[claim.pk])).content.decode()
    reuse_url = reverse("queue:verdict_reuse", args=[claim.pk, original.pk])
    assert reuse_url in page
    response = client.post(reuse_url)
    assert response.status_code == 302
    draft = Verdict.objects.get(claim=claim)
    assert draft.state == VerdictState.DRAFT
    assert draft.author == checker
    assert (draft.rating, draft.headline) == (original.rating, original.headline)
    assert f"claim #{original.claim_id}" in draft.explanation
    assert draft.evidence.count() == original.evidence.count() == 1
    # Once a draft exists, reusing again is refused.
    client.post(reuse_url)
    assert Verdict.objects.filter(claim=claim).count() == 1


def test_a_checker_not_holding_the_claim_cannot_reuse(editor, other_editor, checker, other_checker):
    claim = queued_claim()
    _, original = published_repeat(editor, other_editor, checker, claim)
    response = signed_in(other_checker).post(
        reverse("queue:verdict_reuse", args=[claim.pk, original.pk])
    )
    assert response.status_code == 403
    assert not Verdict.objects.filter(claim=claim).exists()
