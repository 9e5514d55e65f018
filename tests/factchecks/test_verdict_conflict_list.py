"""Editors list the claims in conflict with another outlet from the claims' admin filter."""

from __future__ import annotations

import pytest

from reviews.models import Rating
from tests.factories import PublishedVerdictFactory

from .test_checked_elsewhere import FERRY, OTHER, load, new_claim, review

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/claims/claim/"
BRIDGE = "The new cycling bridge over the canal opened three years behind schedule."


def listed(client, value):
    response = client.get(CHANGELIST, {"checked_elsewhere": value})
    assert response.status_code == 200
    return {claim.pk for claim in response.context["cl"].result_list}


def test_the_claims_filter_lists_conflicts_for_an_editor(
    editor, client, django_capture_on_commit_callbacks
):
    callbacks = django_capture_on_commit_callbacks
    contradicted = new_claim(editor, FERRY, callbacks)
    PublishedVerdictFactory(claim=contradicted, rating=Rating.TRUE)
    disputed = new_claim(editor, OTHER, callbacks)
    new_claim(editor, "Rents in the old town fell last winter.", callbacks)
    load(
        [
            review(1, FERRY, rating=1),
            review(2, OTHER, rating=1),
            review(3, BRIDGE, rating=5, site="other.example", name="Other"),
        ],
        callbacks,
    )
    client.force_login(editor)

    assert listed(client, "any") == {contradicted.pk, disputed.pk}
    assert listed(client, "desk_conflict") == {contradicted.pk}
    assert listed(client, "outlets_disagree") == {disputed.pk}
    page = client.get(CHANGELIST).content.decode()
    assert "Verdict conflict with an outlet" in page
