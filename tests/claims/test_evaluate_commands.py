"""evaluate_repeats and evaluate_pairs score the analysis code on labelled files."""

from __future__ import annotations

import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims.engine import semantic
from claims.models import Claim
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db(transaction=True)

POOL = [
    ("c1", "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance."),
    ("c2", "Alibaba released Qwen3, a family of open-weight language models, in April 2025."),
    ("c3", "The US Commerce Department said using Ascend chips anywhere may violate export rules."),
    ("c4", "DeepSeek trained its V3 model for about $5.6 million in compute."),
    ("c5", "Tencent's Hunyuan 3D model was downloaded more than 1.6 million times."),
]
QUERIES = [
    ("q1", "Ascend 910C reaches roughly 60 percent of the H100 when running inference"),
    ("q2", "Qwen3 open-weight models were released by Alibaba in April 2025"),
    ("q3", "using Huawei Ascend chips anywhere in the world may break US export controls"),
]
QRELS = [("q1", "c1"), ("q2", "c2"), ("q3", "c3")]


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def repeat_files(tmp_path):
    claims = write_jsonl(tmp_path / "claims.jsonl", [{"id": i, "text": t} for i, t in POOL])
    queries = write_jsonl(tmp_path / "q.jsonl", [{"id": i, "text": t} for i, t in QUERIES])
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("".join(f"{q}\t{c}\n" for q, c in QRELS), encoding="utf-8")
    return claims, queries, qrels


def run(name, *args):
    out = StringIO()
    call_command(name, *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_evaluate_repeats_ranks_each_gold_claim_first_and_writes_a_trec_run(repeat_files, tmp_path):
    desk = ClaimFactory(text="A claim an editor is working on.")
    claims, queries, qrels = repeat_files
    run_out = tmp_path / "run.tsv"
    result = run(
        "evaluate_repeats",
        "--claims",
        claims,
        "--queries",
        queries,
        "--qrels",
        qrels,
        "--fields",
        "text",
        "--run-out",
        run_out,
    )
    assert result["queries"] == 3 and result["pool"] == 5
    assert result["map@1"] == result["map@5"] == result["mrr"] == 1.0
    assert result["median_ms"] > 0 and result["p95_ms"] >= result["median_ms"]
    lines = [line.split() for line in run_out.read_text().splitlines()]
    firsts = {parts[0]: parts[2] for parts in lines if parts[3] == "1"}
    assert firsts == dict(QRELS)
    assert all(parts[1] == "Q0" and parts[5] == "claimdesk" for parts in lines)
    assert Claim.objects.filter(pk=desk.pk).exists()
    if connection.vendor == "postgresql":
        # The pool lived in its own database. (Under pytest on SQLite both are the same
        # in-memory database, so only PostgreSQL can show the separation.)
        assert not Claim.objects.filter(external_id__startswith="eval:").exists()


def test_evaluate_repeats_counts_a_miss(repeat_files, tmp_path):
    claims, queries, _ = repeat_files
    qrels = tmp_path / "wrong.tsv"
    qrels.write_text("q1\tc5\n", encoding="utf-8")  # the gold answer is not the best match
    result = run("evaluate_repeats", "--claims", claims, "--queries", queries, "--qrels", qrels)
    assert result["queries"] == 1
    assert result["map@1"] == 0.0


def test_evaluate_repeats_rejects_a_malformed_file_with_its_line(repeat_files, tmp_path):
    _, queries, qrels = repeat_files
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "c1", "text": "fine"}\n{"id": "c2", \n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        run("evaluate_repeats", "--claims", broken, "--queries", queries, "--qrels", qrels)


def pairs_file(tmp_path):
    a = POOL[0][1]
    rows = [
        {"id": "p1", "a": a, "b": QUERIES[0][1], "label": "repeat", "source": "s1"},
        {"id": "p2", "a": a, "b": a.replace("60%", "90%"), "label": "conflict", "source": "s1"},
        {"id": "p3", "a": a, "b": POOL[4][1], "label": "unrelated", "source": "s2"},
        {"id": "p4", "a": a, "b": POOL[3][1], "label": "repeat", "source": "s2"},  # wrong gold
    ]
    return write_jsonl(tmp_path / "pairs.jsonl", rows)


def test_evaluate_pairs_reports_per_label_and_source_and_writes_predictions(tmp_path):
    out = tmp_path / "pred.jsonl"
    result = run("evaluate_pairs", "--pairs", pairs_file(tmp_path), "--predictions-out", out)
    assert result["pairs"] == 4
    overall = result["overall"]
    assert overall["conflict"]["f1"] == 1.0
    assert overall["repeat"]["precision"] == 1.0 and overall["repeat"]["recall"] == 0.5
    assert result["per_source"]["s1"]["accuracy"] == 1.0
    assert result["per_source"]["s2"]["accuracy"] == 0.5
    predictions = [json.loads(line) for line in out.read_text().splitlines()]
    assert [p["id"] for p in predictions] == ["p1", "p2", "p3", "p4"]
    assert predictions[1]["predicted"] == "conflict"
    assert any("60" in r and "90" in r for r in predictions[1]["reasons"])


def test_evaluate_pairs_names_the_line_of_an_unknown_label(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"a": "x", "b": "y", "label": "maybe"}])
    with pytest.raises(CommandError, match="line 1"):
        run("evaluate_pairs", "--pairs", path)


def test_semantic_flag_uses_embeddings(tmp_path):
    if not semantic.available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the semantic tier: {semantic.unavailable_reason()}")
        pytest.skip(f"semantic tier not installed outside CI: {semantic.unavailable_reason()}")
    result = run("evaluate_pairs", "--pairs", pairs_file(tmp_path), "--semantic")
    assert result["semantic"] is True
    assert result["overall"]["conflict"]["f1"] == 1.0
