"""load_seeds: the demo data loads, a second run changes nothing, a broken file loads nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Appearance, Claim, Claimant
from reviews.models import Evidence, Verdict, VerdictState
from sources.models import Source

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def history_rows() -> int:
    models = (Claim, Appearance, Source, Claimant, Verdict, Evidence)
    return sum(m.history.count() for m in models)


@pytest.fixture
def seed_copy(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def break_line(path: Path, number: int, mutate) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = mutate(lines[number - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_seeds_load_the_articles_claims(db, capsys):
    call_command("load_seeds")
    expected_claims = len((SEEDS / "claims.jsonl").read_text(encoding="utf-8").splitlines())
    assert Claim.objects.count() == expected_claims >= 20
    assert Source.objects.count() == 2
    assert Appearance.objects.count() >= expected_claims
    assert Verdict.objects.filter(state=VerdictState.PUBLISHED).count() >= 3
    texts = " ".join(Claim.objects.values_list("text", flat=True))
    for fact in ("910C", "H100", "800,000", "NVL72", "H20", "2028", "1.6 million"):
        assert fact in texts, fact
    # The first article prints its text twice; its second printing is entered as its own claims.
    assert Claim.objects.filter(external_id__endswith="second-printing").count() >= 5


def test_second_run_changes_nothing(db, capsys):
    call_command("load_seeds")
    before = (history_rows(), Claim.objects.count(), Appearance.objects.count())
    capsys.readouterr()
    call_command("load_seeds")
    assert "nothing changed" in capsys.readouterr().out
    assert (history_rows(), Claim.objects.count(), Appearance.objects.count()) == before


def test_malformed_json_rejects_the_whole_load_with_file_and_line(db, seed_copy):
    break_line(seed_copy / "claims.jsonl", 7, lambda line: line[:-5])
    with pytest.raises(CommandError, match=r"seeds/claims\.jsonl:7: not valid JSON"):
        call_command("load_seeds", "--dir", str(seed_copy))
    assert not Claim.objects.exists() and not Source.objects.exists()


def test_invalid_field_is_reported_with_its_line(db, seed_copy):
    def long_headline(line: str) -> str:
        data = json.loads(line)
        data["headline"] = "h" * 90
        return json.dumps(data)

    break_line(seed_copy / "verdicts.jsonl", 2, long_headline)
    with pytest.raises(
        CommandError, match=r"verdicts\.jsonl:2: field 'headline' must be at most 75"
    ):
        call_command("load_seeds", "--dir", str(seed_copy))
    assert not Verdict.objects.exists()


def test_unknown_reference_is_rejected(db, seed_copy):
    def bad_source(line: str) -> str:
        data = json.loads(line)
        data["appearances"][0]["source"] = "no-such-source"
        return json.dumps(data)

    break_line(seed_copy / "claims.jsonl", 3, bad_source)
    with pytest.raises(CommandError, match=r"claims\.jsonl:3: appearances\[1\] unknown source"):
        call_command("load_seeds", "--dir", str(seed_copy))
    assert not Claim.objects.exists()


def test_error_found_while_applying_rolls_everything_back(db, seed_copy):
    # A tag of punctuation only passes the file checks but not the service: everything loaded
    # before it (sources, claimants, 29 claims) must roll back, and the message names the line.
    def unusable_tag(line: str) -> str:
        data = json.loads(line)
        data["tags"] = ["???"]
        return json.dumps(data)

    break_line(seed_copy / "claims.jsonl", 30, unusable_tag)
    with pytest.raises(CommandError, match=r"claims\.jsonl:30: '\?\?\?' is not a usable tag"):
        call_command("load_seeds", "--dir", str(seed_copy))
    assert history_rows() == 0
    assert not Source.objects.exists() and not Claim.objects.exists()
