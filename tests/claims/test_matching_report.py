"""matching_report counts editors' decisions per kind, method and score bucket."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Flag, FlagKind, FlagStatus
from claims.services import flag_confirm, flag_dismiss
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def make_flag(kind, score, method="lexical"):
    a, b = ClaimFactory(), ClaimFactory()
    return Flag.objects.create(
        claim_a=a,
        claim_b=b,
        kind=kind,
        score=score,
        method=method,
        reasons=["test"],
        engine_version="t",
        text_key="k",
    )


def report(*args):
    out = StringIO()
    call_command("matching_report", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    return lines, json.loads(lines[-1])


def test_report_counts_confirmed_and_dismissed_per_kind_and_method(editor):
    flag_confirm(actor=editor, flag=make_flag(FlagKind.CONFLICT, 0.93))
    flag_confirm(actor=editor, flag=make_flag(FlagKind.CONFLICT, 0.91))
    flag_dismiss(actor=editor, flag=make_flag(FlagKind.CONFLICT, 0.55), reason="other year")
    make_flag(FlagKind.CONFLICT, 0.7)
    flag_dismiss(actor=editor, flag=make_flag(FlagKind.REPEAT, 0.8, "semantic"), reason="no")

    lines, data = report()
    rows = {(r["kind"], r["method"]): r for r in data["flags"]}
    conflict = rows[("conflict", "lexical")]
    assert (conflict["open"], conflict["confirmed"], conflict["dismissed"]) == (1, 2, 1)
    assert conflict["precision"] == pytest.approx(2 / 3, abs=1e-4)
    buckets = {b["min"]: b for b in conflict["by_score"]}
    assert buckets[0.9]["confirmed"] == 2 and buckets[0.9]["precision"] == 1.0
    assert buckets[0.5]["dismissed"] == 1 and buckets[0.5]["precision"] == 0.0
    assert buckets[0.7]["precision"] is None  # only an open flag: nothing decided yet
    assert rows[("repeat", "semantic")]["precision"] == 0.0
    assert set(data["thresholds"]) >= {"repeat", "conflict"}
    assert any(line.startswith("conflict  lexical") for line in lines)


def test_report_on_no_flags_says_so():
    lines, data = report()
    assert data["flags"] == []
    assert "No flags yet." in lines


def test_report_since_filters_and_refuses_future_dates():
    make_flag(FlagKind.REPEAT, 0.99)
    _, data = report("--since", "2000-01-01")
    assert data["flags"][0]["open"] == 1
    with pytest.raises(CommandError, match="future"):
        report("--since", "2999-01-01")


@pytest.mark.parametrize("score", [0.0, 1.0])
def test_scores_at_the_edges_fall_in_a_bucket(score):
    make_flag(FlagKind.REPEAT, score)
    _, data = report()
    (bucket,) = data["flags"][0]["by_score"]
    assert bucket["min"] <= score <= bucket["max"]
    assert Flag.objects.filter(status=FlagStatus.OPEN).count() == 1
