"""``bench_ingest`` times articles in a temporary database and reports one JSON line."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sources.models import Source

pytestmark = pytest.mark.django_db(transaction=True)

SENTENCES = [
    "Unemployment fell to 4.1% last year, the lowest rate since 2001.",
    "We spent $3.5bn on new roads in the state between 2019 and 2023.",
    "I think the people of this country deserve better than that.",
    "Thank you all for coming here tonight, it is good to see you.",
    "Crime in the city has doubled since the mayor took office.",
    "The bill was vetoed twice before it finally passed the senate.",
]
CLAIMS = [
    "Unemployment fell to 4.1% last year.",
    "Crime in the city doubled under the mayor.",
    "The state spent $3.5bn on roads from 2019 to 2023.",
]


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "checkworthy").mkdir()
    (tmp_path / "checkworthy" / "ct24-dev.jsonl").write_text(
        "".join(
            json.dumps({"id": i, "text": t, "label": 1}) + "\n" for i, t in enumerate(SENTENCES)
        )
    )
    (tmp_path / "repeats" / "pool").mkdir(parents=True)
    (tmp_path / "repeats" / "pool" / "claims.jsonl").write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(CLAIMS))
    )
    return tmp_path


def test_reports_per_article_times_and_sentences_per_second(data_dir):
    before = Source.objects.count()
    out = StringIO()
    call_command(
        "bench_ingest", articles=3, semantic_articles=0, words=300, claims=30,
        data_dir=data_dir, stdout=out,
    )  # fmt: skip
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert len(lines) > 1  # progress first, JSON last
    assert result["desk_claims"] == 30
    lexical = result["lexical"]
    assert lexical["ingest_ms"]["n"] == 3
    assert 0 < lexical["ingest_ms"]["p50"] <= lexical["ingest_ms"]["p95"]
    assert lexical["repeat_check_ms"]["p50"] > 0
    assert lexical["sentences_per_s"] > 0
    assert lexical["sentences_per_article"] >= 10
    assert result["semantic"] is None
    if connection.vendor == "postgresql":
        # The desk lived in its own database. (Under pytest on SQLite both are the same
        # in-memory database, so only PostgreSQL can show the separation here.)
        assert Source.objects.count() == before


def test_without_sentences_it_says_where_it_looked(tmp_path):
    with pytest.raises(CommandError, match="No sentences"):
        call_command("bench_ingest", data_dir=tmp_path, claims=0)
