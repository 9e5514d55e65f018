"""An editor brings in an article in Chromium, sees its candidates highlighted and ranked, and
accepts the sentence that repeats a desk claim as that claim's appearance (htmx). Screenshots
go to var/screenshots/."""

from __future__ import annotations

import pytest

from claims.models import Appearance, Claim
from claims.roles import EDITORS
from claims.services import claim_create
from tests.claims.texts import ORIGINAL
from tests.desk.test_queue_browser import SCREENSHOTS, browser, sign_in  # noqa: F401 - fixture
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = (
    "Chip race heats up\n\n"
    "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference performance, "
    "analysts said on Monday. The U.S. has restricted exports since 2022.\n"
    "Thank you for reading.\n"
)


def test_editor_accepts_a_repeat_as_an_appearance(browser, live_server):  # noqa: F811
    editor = UserFactory(username="editor", roles=[EDITORS])
    claim = claim_create(actor=editor, text=ORIGINAL)  # committed: analysed and indexed

    page = sign_in(browser, live_server, "editor")
    page.get_by_role("link", name="Sources").click()
    page.get_by_label("Text").fill(ARTICLE)
    page.get_by_role("button", name="Read the source").click()
    page.wait_for_url("**/queue/sources/*/")
    assert page.get_by_role("heading", name="Chip race heats up").is_visible()
    assert page.locator("mark.cand").count() >= 1
    assert f"Already in the desk: #{claim.pk}" in page.locator(".candidates").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "ingest-source.png"), full_page=True)

    page.get_by_role("button", name=f"Accept as appearance of #{claim.pk}").click()
    page.get_by_text(f"Accepted: appearance of #{claim.pk}").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "ingest-accepted.png"), full_page=True)
    assert Claim.objects.count() == 1
    appearance = Appearance.objects.get(claim=claim)
    assert appearance.quote.startswith("Huawei's Ascend 910C chip reaches roughly 60 percent")
    assert appearance.start_offset == ARTICLE.index("Huawei")
