"""Evaluation metrics on tiny hand-made data, and loader error messages."""

from pathlib import Path

import pytest

from claims.engine.evaluate import (
    average_precision_at_k,
    evaluate_pairs,
    evaluate_repeats,
    load_pairs,
    load_texts,
    parse_jsonl,
    parse_qrels,
)


def test_average_precision_with_one_gold_is_reciprocal_rank() -> None:
    assert average_precision_at_k(["a", "b", "c"], {"b"}, 5) == 0.5
    assert average_precision_at_k(["a", "b", "c"], {"c"}, 2) == 0.0
    assert average_precision_at_k(["x"], {"x"}, 1) == 1.0


def test_evaluate_repeats_on_a_tiny_pool() -> None:
    claims = {
        "c1": "Unemployment in Chile rose to 9% in 2021.",
        "c2": "Chile's copper exports fell in 2022.",
        "c3": "The new bridge in Lisbon cost 300 million euros.",
    }
    queries = {
        "q1": "wow, chilean unemployment went up to 9 percent in 2021",
        "q2": "Lisbon spent 300 million euros on a bridge?!",
        "q3": "a query without gold",
    }
    qrels = {"q1": {"c1"}, "q2": {"c3"}}
    result = evaluate_repeats(claims, queries, qrels, k=5)
    assert result["queries"] == 2
    assert result["map@1"] == 1.0
    assert result["map@5"] == 1.0
    assert result["mrr"] == 1.0
    assert set(result) >= {"map@1", "map@3", "map@5", "mrr", "median_ms", "p95_ms"}
    assert result["p95_ms"] >= result["median_ms"] >= 0


def test_evaluate_pairs_reports_per_source() -> None:
    pairs = [
        {
            "a": "Oil output rose in Norway.",
            "b": "Oil output fell in Norway.",
            "label": "conflict",
            "source": "x",
        },
        {
            "a": "Oil output rose in Norway.",
            "b": "Norway's oil output rose.",
            "label": "repeat",
            "source": "x",
        },
        {"a": "Tea is popular.", "b": "The bridge collapsed.", "label": "unrelated", "source": "y"},
    ]
    report = evaluate_pairs(pairs)
    overall = report["overall"]
    assert isinstance(overall, dict)
    assert overall["conflict"]["f1"] == 1.0
    assert overall["repeat"]["recall"] == 1.0
    per_source = report["per_source"]
    assert isinstance(per_source, dict)
    assert set(per_source) == {"x", "y"}


def test_jsonl_errors_name_the_line() -> None:
    lines = ['{"id": "1", "text": "ok"}', "", "{not json", '{"id": "3", "text": "fine"}']
    with pytest.raises(ValueError, match="line 3"):
        parse_jsonl(lines)
    with pytest.raises(ValueError, match="line 2: missing field"):
        parse_jsonl(['{"id": "1", "text": "ok"}', '{"id": "2"}'])
    with pytest.raises(ValueError, match="line 1: expected a JSON object"):
        parse_jsonl(["[1, 2]"])


def test_qrels_errors_name_the_line() -> None:
    assert parse_qrels(["q1\tc1", "q1\tc2", "q2\tc3"]) == {"q1": {"c1", "c2"}, "q2": {"c3"}}
    with pytest.raises(ValueError, match="line 2"):
        parse_qrels(["q1\tc1", "q1 c2"])


def test_file_loaders(tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text('{"id": "1", "text": "A claim.", "title": "A title"}\n', encoding="utf-8")
    assert load_texts(claims) == {"1": "A claim."}
    assert load_texts(claims, fields=("text", "title")) == {"1": "A claim. \nA title"}
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        '{"a": "x", "b": "y", "label": "repeat"}\n\n{"a": "x", "b": "y", "label": "maybe"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 3: unknown label"):
        load_pairs(pairs)
