"""In a real browser: an editor sees another outlet's check of a claim on the queue's claim
page and in the admin, uses it as evidence in one click, and sees a verdict conflict.

Uses the desk's browser fixture (Debian's Chromium driven by Playwright, never downloaded);
screenshots go to var/screenshots/.
"""

from __future__ import annotations

import json

import pytest

from claims.roles import EDITORS
from claims.services import claim_create
from factchecks.services import external_reviews_import
from reviews.models import Rating
from tests.desk.test_queue_browser import SCREENSHOTS, browser, sign_in  # noqa: F401
from tests.factories import PublishedVerdictFactory, UserFactory

from .conftest import as_stream, claim_review, data_feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOLLS = "The harbour bridge toll doubled to 8 euros for cars on the first of March 2026."
FERRY = "The island ferry carried 12,000 passengers on its first day of service in May 2026."


def _review(n: int, text: str) -> dict[str, object]:
    return claim_review(
        n,
        claimReviewed=text,
        name="",
        author={"name": "Coastline Facts", "url": "https://coastline-facts.example"},
        url=f"https://coastline-facts.example/checks/{n}",
        reviewRating={
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "False",
        },
    )


def test_editor_sees_uses_and_compares_a_check_from_elsewhere(browser, live_server):  # noqa: F811
    editor = UserFactory(username="editor", roles=[EDITORS], is_staff=True)
    tolls = claim_create(actor=editor, text=TOLLS)
    ferry = claim_create(actor=editor, text=FERRY)
    PublishedVerdictFactory(claim=ferry, rating=Rating.TRUE)
    feed = data_feed([_review(1, TOLLS), _review(2, FERRY)])
    external_reviews_import(actor=editor, stream=as_stream(json.dumps(feed)))

    page = sign_in(browser, live_server, "editor")
    page.goto(f"{live_server.url}/queue/claims/{tolls.pk}/")
    assert page.get_by_role("heading", name="Checked elsewhere (1)").is_visible()
    link = page.get_by_role("link", name="https://coastline-facts.example/checks/1")
    assert link.is_visible()
    assert "Coastline Facts" in page.locator("#checked-elsewhere").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "checked-elsewhere-queue.png"), full_page=True)
    page.get_by_role("button", name="Use as evidence").click()
    page.get_by_role("heading", name="Evidence (1)").wait_for()

    page.goto(f"{live_server.url}/queue/claims/{ferry.pk}/")
    assert "Verdict conflict" in page.locator("#checked-elsewhere").inner_text()

    page.goto(f"{live_server.url}/admin/claims/claim/{ferry.pk}/change/")
    panel = page.locator(".checked-elsewhere")
    assert "Coastline Facts" in panel.inner_text() and "VERDICT CONFLICT" in panel.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "checked-elsewhere-admin.png"), full_page=True)
