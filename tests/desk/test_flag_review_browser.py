"""Flag review in a real browser (Playwright on Debian's Chromium, as the queue's browser test).

An editor opens the flags page, opens a conflict, sees both differing figures highlighted,
confirms it with its keyboard shortcut, dismisses a repeat with a reason, and finds each under
its status filter with who and why; the dashboard is opened too. Screenshots go to
var/screenshots/.
"""

from __future__ import annotations

import pytest

from claims import engine
from claims.models import Flag, FlagKind, FlagStatus
from claims.roles import EDITORS
from tests.desk.test_queue_browser import SCREENSHOTS, browser, sign_in  # noqa: F401 - fixture
from tests.factories import AppearanceFactory, ClaimFactory, FlagFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def engine_flag(text_a, text_b):
    a, b = ClaimFactory(text=text_a), ClaimFactory(text=text_b)
    for claim in (a, b):
        AppearanceFactory(claim=claim)
    result = engine.classify(engine.analyze(a.text), engine.analyze(b.text))
    return FlagFactory(
        claim_a=a,
        claim_b=b,
        kind=result.label,
        score=result.score,
        reasons=list(result.reasons),
        details=result.details,
    )


def test_editor_confirms_a_conflict_and_dismisses_a_repeat(browser, live_server, settings):  # noqa: F811
    settings.DESK_STATS_CACHE_SECONDS = 0  # the figures of this test's data, not cached ones
    UserFactory(username="editor", roles=[EDITORS])
    conflict = engine_flag(
        "Ferry fares in Norway rose 60% in 2024.", "Ferry fares in Norway rose 90% in 2024."
    )
    repeat = engine_flag(
        "The new bridge in Bergen cost 400 million kroner.",
        "The new bridge in Bergen cost 400 million kroner.",
    )
    assert (conflict.kind, repeat.kind) == (FlagKind.CONFLICT, FlagKind.REPEAT)

    page = sign_in(browser, live_server, "editor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flags").click()
    page.wait_for_url("**/desk/flags/")
    assert "Conflicts: 1" in page.locator(".counts").inner_text()
    page.get_by_role("link", name=f"Conflict #{conflict.pk}").click()
    page.wait_for_url(f"**/desk/flags/{conflict.pk}/")

    older = page.get_by_role("article", name=f"Older claim #{conflict.claim_a_id}")
    newer = page.get_by_role("article", name=f"Newer claim #{conflict.claim_b_id}")
    assert older.locator("mark.hl-differ").inner_text() == "60%"
    assert newer.locator("mark.hl-differ").inner_text() == "90%"
    assert older.locator("mark.hl-differ").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "flag-conflict.png"), full_page=True)

    page.keyboard.press("c")  # Confirm conflict
    page.wait_for_selector("text=Conflict confirmed.")
    assert Flag.objects.get(pk=conflict.pk).status == FlagStatus.CONFIRMED

    page.goto(f"{live_server.url}/desk/flags/{repeat.pk}/")
    page.keyboard.press("d")  # without a reason, the key goes to the list of reasons
    assert page.evaluate("document.activeElement.id") == "dismiss_reason"
    page.get_by_label("Reason").select_option("not_same")
    page.get_by_label("Details").fill("One is the budget, the other the final cost.")
    page.get_by_role("button", name="Dismiss").click()
    page.wait_for_selector("text=Flag dismissed.")
    assert Flag.objects.get(pk=repeat.pk).status == FlagStatus.DISMISSED

    page.goto(f"{live_server.url}/desk/flags/")
    assert page.locator(".flag-row").count() == 0
    page.get_by_label("Status").select_option("confirmed")
    page.get_by_role("link", name=f"Conflict #{conflict.pk}").wait_for()
    assert "by editor" in page.locator(".flag-row").inner_text()
    page.get_by_label("Status").select_option("dismissed")
    page.get_by_role("link", name=f"Repeat #{repeat.pk}").wait_for()
    row = page.locator(".flag-row").inner_text()
    assert "Related, but not the same claim: One is the budget" in row
    page.screenshot(path=str(SCREENSHOTS / "flags-dismissed.png"), full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stats").click()
    page.wait_for_url("**/desk/stats/")
    assert page.locator('svg[data-chart="flags-per-week"]').is_visible()
    page.get_by_role("link", name="Last 4 weeks").click()
    page.wait_for_url("**/desk/stats/?weeks=4")
    page.screenshot(path=str(SCREENSHOTS / "stats.png"), full_page=True)
