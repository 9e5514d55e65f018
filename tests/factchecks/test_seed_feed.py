"""The demo feed of imaginary outlets loads with the seeds and meets the seeded verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Claim
from factchecks.selectors import claim_checked_elsewhere, claims_with_verdict_conflicts

pytestmark = pytest.mark.django_db

FEED = Path(__file__).resolve().parents[2] / "seeds" / "other_outlets.json"


def test_seed_feed_agrees_and_disagrees_with_a_seeded_verdict(
    django_capture_on_commit_callbacks, capsys
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_seeds")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_claimreviews", str(FEED))
    assert '"created": 3' in capsys.readouterr().out.strip().splitlines()[-1]
    h100 = Claim.objects.get(external_id__endswith="h100-sidelined-china")
    rows = claim_checked_elsewhere(h100.pk)
    outlets = {r.review.publisher_name: r for r in rows}
    assert set(outlets) == {"The Lantern Desk (demo)", "Harbourline Check (demo)"}
    assert not outlets["The Lantern Desk (demo)"].conflicts_with_desk
    assert outlets["Harbourline Check (demo)"].conflicts_with_desk
    assert h100 in claims_with_verdict_conflicts()
    hybrid = Claim.objects.get(external_id__endswith="qwen3-hybrid-reasoning")
    assert [r.review.publisher_site for r in claim_checked_elsewhere(hybrid.pk)] == [
        "lantern-desk.example"
    ]
