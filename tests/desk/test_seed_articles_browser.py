"""What a new user sees after `make run`: the two seed articles ingested with candidates, the
first one's second printing recognised, and a candidate that repeats a seeded claim accepted
as that claim's appearance, in Chromium. Screenshots go to var/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Appearance, Claim
from claims.roles import EDITORS
from tests.desk.test_queue_browser import SCREENSHOTS, browser, sign_in  # noqa: F401 - fixture
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SENTENCE = "Qwen3 has been downloaded more than 300 million times."


def test_editor_accepts_a_seed_sentence_as_an_appearance_of_the_seeded_claim(
    browser,  # noqa: F811
    live_server,
):
    # What `make run` does before serving: load the claims, then ingest the articles.
    call_command("load_seeds")
    call_command("ingest_seeds")
    UserFactory(username="editor", roles=[EDITORS])
    titles = [json.loads(line)["title"] for line in (SEEDS / "articles.jsonl").open()]
    claim = Claim.objects.get(external_id="seed:qwen3-downloads")
    before = Appearance.objects.filter(claim=claim).count()

    page = sign_in(browser, live_server, "editor")
    page.get_by_role("link", name="Sources").click()
    for title in titles:
        assert page.get_by_role("link", name=title).is_visible()
    page.get_by_role("link", name=titles[0]).click()
    page.wait_for_url("**/queue/sources/*/")
    assert page.locator("mark.cand").count() >= 20
    assert page.locator("mark.cand.repeat").count() >= 10  # the second printing
    row = page.locator("li.candidate", has_text=SENTENCE)
    assert "printed 2 times in this text" in row.inner_text()
    assert f"Already in the desk: #{claim.pk}" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "seed-article.png"), full_page=True)

    row.get_by_role("button", name=f"Accept as appearance of #{claim.pk}").click()
    page.get_by_text(f"Accepted: appearance of #{claim.pk}").wait_for()
    row.screenshot(path=str(SCREENSHOTS / "seed-article-accepted.png"))

    appearances = Appearance.objects.filter(claim=claim)
    assert appearances.count() == before + 1
    added = appearances.select_related("source").latest("pk")
    assert added.source.title == titles[0]
    assert added.source.body[added.start_offset : added.end_offset] == SENTENCE
    assert Claim.objects.filter(text=SENTENCE).count() == 0  # no duplicate claim

    page.goto(f"{live_server.url}/queue/claims/{claim.pk}/")
    assert SENTENCE in page.content()
    page.screenshot(path=str(SCREENSHOTS / "seed-claim-appearance.png"), full_page=True)
