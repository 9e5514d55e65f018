"""The whole review in a real browser: Playwright driving Debian's Chromium against live_server.

A checker signs in, takes the next claim, adds evidence, drafts a verdict and submits; an
editor returns it with a comment; the checker fixes it; another editor approves and publishes,
then corrects it; the history shows both versions. Screenshots go to var/screenshots/.

Needs /usr/bin/chromium (``apt-get install chromium``) and the ``playwright`` package; no
browser is downloaded. Skipped with a message outside CI when missing, failed in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from claims.roles import EDITORS, FACT_CHECKERS
from reviews.models import Verdict, VerdictState
from tests.desk.queue_helpers import queued_claim
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _unavailable() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture
def browser(live_server, monkeypatch, settings):
    # Depending on live_server makes the browser close first: a kept-alive connection would
    # otherwise hold a server thread, and its database connection, past the test.
    reason = _unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(f"browser tests need Chromium: {reason}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # live_server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
            # Database work done while Playwright's loop ran may have opened a connection in
            # its context; close it so the test database can be dropped at the end.
            connections.close_all()


def sign_in(browser, live_server, username):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/queue/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/queue/")
    return page


def test_checker_and_editors_take_a_claim_to_a_corrected_verdict(browser, live_server):
    UserFactory(username="checker", roles=[FACT_CHECKERS])
    UserFactory(username="editor", roles=[EDITORS])
    for i in range(3):
        queued_claim(appearances=1 + i, text=f"Ferry fares rose {10 * (i + 1)}% last year.")

    checker = sign_in(browser, live_server, "checker")
    assert checker.get_by_role("heading", name="Unassigned (3)").is_visible()
    checker.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)
    checker.get_by_role("button", name="Take next claim").click()
    checker.wait_for_url("**/queue/claims/*/")
    assert "is now assigned to you" in checker.content()
    # The claim with most appearances is at the top of an otherwise equal queue.
    assert "Ferry fares rose 30%" in checker.get_by_role("heading", level=1).inner_text()

    checker.get_by_label("URL", exact=True).fill("https://ferries.example.org/tariffs-2025")
    checker.get_by_label("Title", exact=True).fill("Tariff table 2025")
    checker.get_by_label("Outlet", exact=True).fill("Ferry operator")
    checker.get_by_label("Stance", exact=True).select_option("refutes")
    checker.get_by_label("Note", exact=True).fill("Table 3, adult single fare.")
    checker.get_by_role("button", name="Add evidence").click()
    checker.get_by_role("link", name="Tariff table 2025").wait_for()
    assert checker.get_by_role("heading", name="Evidence (1)").is_visible()

    checker.get_by_label("Rating").select_option("mostly_false")
    checker.get_by_label("Headline").fill("Fares rose by a third of that")
    checker.get_by_label("Explanation").fill("The operator's **tariff table** shows 10%.")
    # htmx renders the preview as the checker types.
    checker.locator("#explanation-preview strong").wait_for()
    checker.get_by_role("button", name="Save draft").click()
    checker.wait_for_selector("text=Draft saved.")
    # The evidence gathered first is now the draft's.
    assert checker.get_by_role("heading", name="Evidence (1)").is_visible()

    checker.get_by_role("button", name="Submit for approval").click()
    checker.wait_for_selector("text=Verdict submitted for approval.")
    claim_url = checker.url.split("#")[0]
    checker.screenshot(path=str(SCREENSHOTS / "claim.png"), full_page=True)

    editor = sign_in(browser, live_server, "editor")
    editor.get_by_role("link", name="Awaiting approval").click()
    editor.get_by_role("link", name="Ferry fares rose 30%").click()
    editor.get_by_label("Comment for the checker").fill("Say which fare class you compared.")
    editor.get_by_role("button", name="Return to checker").click()
    editor.wait_for_selector("text=Returned to the checker")

    checker.goto(claim_url)
    assert "Say which fare class you compared." in checker.content()
    checker.get_by_label("Headline").fill("Adult fares rose by a third of that")
    checker.get_by_role("button", name="Submit for approval").click()
    checker.wait_for_selector("text=Verdict submitted for approval.")

    editor.goto(claim_url)
    editor.get_by_role("button", name="Approve").click()
    editor.wait_for_selector("text=Approved.")
    editor.get_by_role("button", name="Publish").click()
    editor.wait_for_selector("text=Published.")
    assert Verdict.objects.get().state == VerdictState.PUBLISHED

    editor.get_by_text("Correct this verdict").click()
    editor.get_by_label("Headline").fill("Adult fares rose by less than a third of that")
    editor.get_by_label("Correction note").fill("The tariff table was updated in March.")
    editor.get_by_role("button", name="Publish correction").click()
    editor.wait_for_selector("text=Correction published.")

    history = editor.locator("section[aria-labelledby=vhistory-title]").inner_text()
    assert "v1 · Published" in history
    assert "v2 · Published" in history
    assert "Adult fares rose by a third of that" in history
    assert "Adult fares rose by less than a third of that" in history
    editor.screenshot(path=str(SCREENSHOTS / "claim-corrected.png"), full_page=True)
    editor.get_by_role("link", name="Corrections log").click()
    assert "The tariff table was updated in March." in editor.content()
    verdict = Verdict.objects.get()
    assert verdict.version == 2
    assert verdict.approver.username == "editor"
    assert verdict.author.username == "checker"
