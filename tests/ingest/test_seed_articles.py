"""ingest_seeds (run by `make run` and `make seeds`): the two demo articles come in with
candidates, the first one's second printing is recognised, candidates match the seeded
claims, and a second run makes nothing new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim
from ingest.models import Candidate, Ingest
from sources.models import Source

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def articles() -> list[dict]:
    lines = (SEEDS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_articles_hold_the_seeded_facts_and_the_first_prints_twice():
    first, second = ((SEEDS / a["file"]).read_text(encoding="utf-8") for a in articles())
    for fact in ("Qwen3", "300 million", "100,000", "Ascend 910D", "800,000"):
        assert fact in first, fact
    for fact in ("910C", "60%", "NVL72", "H20", "2028", "1.6 million", "Barclays", "o1"):
        assert fact in second, fact
    # The whole body after the introduction appears twice, as in the original page.
    body = first.split("\n", 4)[4]  # title, date, a blank line, the introduction
    half = len(body) // 2
    assert body[:half] == body[half:]


def test_seed_articles_come_in_with_candidates_repeats_and_matches(capsys):
    call_command("load_seeds")
    call_command("ingest_seeds")
    out = capsys.readouterr().out
    assert out.count("Ingested: source") == 2
    titles = [a["title"] for a in articles()]
    sources = {s.title: s for s in Source.objects.filter(title__in=titles)}
    assert set(sources) == set(titles)
    first = sources[titles[0]]
    assert first.published_on.isoformat() == "2025-04-29"
    # The second printing: every sentence of it points at its first printing.
    repeats = Candidate.objects.filter(source=first, repeat_of__isnull=False)
    assert repeats.count() >= 30
    assert all(r.text == r.repeat_of.text for r in repeats.select_related("repeat_of"))

    downloads = Claim.objects.get(external_id="seed:qwen3-downloads")
    candidate = Candidate.objects.get(
        source=first,
        text="Qwen3 has been downloaded more than 300 million times.",
        repeat_of__isnull=True,
    )
    assert candidate.matches[0]["claim_id"] == downloads.pk
    assert candidate.matches[0]["label"] == "repeat"
    matched = Candidate.objects.exclude(matches=[]).values_list("source_id", flat=True)
    assert set(matched) == {s.pk for s in sources.values()}
    assert len(matched) >= 20

    before = (Source.objects.count(), Candidate.objects.count(), Ingest.objects.count())
    call_command("ingest_seeds")
    assert capsys.readouterr().out.count("Already in: source") == 2
    assert (Source.objects.count(), Candidate.objects.count(), Ingest.objects.count()) == before


def test_a_broken_index_line_is_named(tmp_path):
    (tmp_path / "articles.jsonl").write_text('{"key": "a", "file": "a.txt"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"articles\.jsonl:1: missing title"):
        call_command("ingest_seeds", dir=tmp_path)
    assert not Source.objects.exists()
