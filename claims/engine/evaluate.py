"""Offline evaluation: file loaders and metrics for repeat retrieval and pair labels.

These functions are pure (no printing, no global state) so that a management
command, a notebook or a test can call them on any data in the same formats:

* claims / queries: JSON lines with at least ``id`` and ``text`` (claims may carry ``title``)
* qrels: ``query_id<TAB>claim_id`` lines
* pairs: JSON lines with ``a``, ``b``, ``label`` and optionally ``id`` and ``source``
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .classify import LABELS, Thresholds, classify
from .features import ClaimFeatures, analyze
from .retrieval import InMemoryIndex
from .semantic import FusionParams

# Turns texts into unit vectors (rows); ``semantic.encode`` or a stand-in in tests.
Encoder = Callable[[Sequence[str]], Any]

__all__ = [
    "Encoder",
    "evaluate_pairs",
    "evaluate_repeats",
    "load_jsonl",
    "load_pairs",
    "load_qrels",
    "load_texts",
    "parse_jsonl",
    "parse_qrels",
    "percentile",
    "score_labels",
]


def parse_jsonl(
    lines: Iterable[str], required: Sequence[str] = ("id", "text")
) -> list[dict[str, object]]:
    """Parse JSON lines; blank lines are skipped, anything else malformed raises.

    The ValueError names the 1-based line number so a broken export can be fixed.
    """
    rows: list[dict[str, object]] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {lineno}: invalid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"line {lineno}: expected a JSON object")
        missing = [key for key in required if key not in row]
        if missing:
            raise ValueError(f"line {lineno}: missing field(s) {', '.join(missing)}")
        for key in required:
            if not isinstance(row[key], str):
                raise ValueError(f"line {lineno}: field {key!r} must be a string")
        rows.append(row)
    return rows


def load_jsonl(
    path: str | Path, required: Sequence[str] = ("id", "text")
) -> list[dict[str, object]]:
    with Path(path).open(encoding="utf-8") as handle:
        return parse_jsonl(handle, required)


def load_texts(path: str | Path, *, fields: Sequence[str] = ("text",)) -> dict[str, str]:
    """Claims or queries as ``{id: text}``; several fields are joined (e.g. text + title)."""
    rows = load_jsonl(path, ("id", fields[0]))
    out: dict[str, str] = {}
    for row in rows:
        parts = [str(row[f]) for f in fields if isinstance(row.get(f), str) and row[f]]
        out[str(row["id"])] = " \n".join(parts)
    return out


def parse_qrels(lines: Iterable[str]) -> dict[str, set[str]]:
    """``query_id<TAB>claim_id`` lines -> {query_id: {claim_id, ...}}."""
    qrels: dict[str, set[str]] = defaultdict(set)
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"line {lineno}: expected 'query_id<TAB>claim_id'")
        qrels[parts[0].strip()].add(parts[1].strip())
    return dict(qrels)


def load_qrels(path: str | Path) -> dict[str, set[str]]:
    with Path(path).open(encoding="utf-8") as handle:
        return parse_qrels(handle)


def load_pairs(path: str | Path) -> list[dict[str, object]]:
    """Labelled pairs; an unknown label is reported with its line number."""
    with Path(path).open(encoding="utf-8") as handle:
        lines = handle.readlines()
    rows = parse_jsonl(lines, ("a", "b", "label"))
    # parse_jsonl skipped blanks, so map rows back to their physical lines.
    numbered = [n for n, line in enumerate(lines, start=1) if line.strip()]
    for lineno, row in zip(numbered, rows, strict=True):
        if row["label"] not in LABELS:
            raise ValueError(f"line {lineno}: unknown label {row['label']!r}")
    return rows


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = min(len(ordered) - 1, max(0, round(pct / 100.0 * (len(ordered) - 1))))
    return ordered[pos]


def average_precision_at_k(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """AP@k normalised by min(|gold|, k); with one gold claim this is 1/rank or 0."""
    if not gold:
        return 0.0
    hits = 0
    total = 0.0
    for i, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in gold:
            hits += 1
            total += hits / i
    return total / min(len(gold), k)


def reciprocal_rank(ranked: Sequence[str], gold: set[str]) -> float:
    for i, doc_id in enumerate(ranked, start=1):
        if doc_id in gold:
            return 1.0 / i
    return 0.0


def evaluate_repeats(
    claims: Mapping[str, str],
    queries: Mapping[str, str],
    qrels: Mapping[str, set[str]],
    k: int = 5,
    *,
    depth: int = 100,
    encoder: Encoder | None = None,
    fusion: FusionParams | None = None,
) -> dict[str, float]:
    """Index ``claims``, search each query with gold, and report MAP@1/3/k, MRR and latency.

    Latency covers analysing the query and searching the index (per query, ms); with an
    ``encoder`` it also covers embedding the query and the vector search, and the result is
    the reciprocal-rank fusion of both rankings (``fusion`` overrides the parameters of
    ``semantic.fuse_rankings``).  MRR is computed over the top ``depth``.
    """
    index = InMemoryIndex()
    for claim_id, text in claims.items():
        index.add(claim_id, analyze(text))
    vectors = None
    if encoder is not None:
        from .semantic import VectorIndex

        ids = list(claims)
        vectors = VectorIndex(ids, encoder([claims[i] for i in ids]))
    cutoffs = sorted({1, 3, 5, k})
    ap_sums = dict.fromkeys(cutoffs, 0.0)
    rr_sum = 0.0
    timings: list[float] = []
    evaluated = 0
    for query_id, text in queries.items():
        gold = set(qrels.get(query_id, set()))
        if not gold:
            continue
        started = time.perf_counter()
        hits = index.search(analyze(text), k=max(depth, k))
        if encoder is not None and vectors is not None:
            from .semantic import fuse_rankings

            near = vectors.search(encoder([text])[0], k=max(depth, k))
            hits = fuse_rankings(hits, near, k=max(depth, k), **(fusion or {}))
        timings.append((time.perf_counter() - started) * 1000.0)
        ranked = [str(doc_id) for doc_id, _ in hits]
        evaluated += 1
        for cutoff in cutoffs:
            ap_sums[cutoff] += average_precision_at_k(ranked, gold, cutoff)
        rr_sum += reciprocal_rank(ranked, gold)
    n = max(evaluated, 1)
    result: dict[str, float] = {f"map@{c}": ap_sums[c] / n for c in cutoffs}
    result["mrr"] = rr_sum / n
    result["queries"] = float(evaluated)
    result["median_ms"] = statistics.median(timings) if timings else 0.0
    result["p95_ms"] = percentile(timings, 95)
    return result


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": float(tp + fn)}


def _score_group(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, object]:
    report: dict[str, object] = {"n": len(gold)}
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    report["accuracy"] = correct / len(gold) if gold else 0.0
    for label in ("repeat", "conflict"):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        report[label] = _prf(tp, fp, fn)
    confusion: dict[str, dict[str, int]] = {}
    for g, p in zip(gold, predicted, strict=True):
        confusion.setdefault(g, {}).setdefault(p, 0)
        confusion[g][p] += 1
    report["confusion"] = confusion
    return report


def score_labels(
    *, gold: Sequence[str], predicted: Sequence[str], sources: Sequence[str]
) -> dict[str, object]:
    """P/R/F1 for repeat and conflict, overall and per source, from gold and predicted labels."""
    report: dict[str, object] = {"overall": _score_group(gold, predicted)}
    per_source: dict[str, object] = {}
    for source in sorted(set(sources)):
        idx = [i for i, s in enumerate(sources) if s == source]
        per_source[source] = _score_group([gold[i] for i in idx], [predicted[i] for i in idx])
    report["per_source"] = per_source
    return report


def evaluate_pairs(
    pairs: Iterable[Mapping[str, object]],
    *,
    thresholds: Thresholds | None = None,
    encoder: Encoder | None = None,
    predictions: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    """Classify every pair and report P/R/F1 for repeat and conflict, overall and per source.

    With an ``encoder`` each pair's embedding cosine is passed to ``classify`` (the semantic
    tier); ``predictions``, when given, receives one ``{id, predicted, score, reasons}`` row
    per pair.
    """
    pairs = list(pairs)
    cosines: list[float | None] = [None] * len(pairs)
    if encoder is not None:
        texts = list(dict.fromkeys(str(p[key]) for p in pairs for key in ("a", "b")))
        matrix = encoder(texts)
        row = {text: i for i, text in enumerate(texts)}
        cosines = [float(matrix[row[str(p["a"])]] @ matrix[row[str(p["b"])]]) for p in pairs]
    gold: list[str] = []
    predicted: list[str] = []
    sources: list[str] = []
    cache: dict[str, ClaimFeatures] = {}
    for pair, cos in zip(pairs, cosines, strict=True):
        a_text, b_text = str(pair["a"]), str(pair["b"])
        fa = cache.get(a_text) or analyze(a_text)
        cache[a_text] = fa
        fb = analyze(b_text)
        result = classify(fa, fb, similarity=cos, thresholds=thresholds)
        if predictions is not None:
            predictions.append(
                {
                    "id": pair.get("id"),
                    "predicted": result.label,
                    "score": result.score,
                    "reasons": list(result.reasons),
                }
            )
        gold.append(str(pair["label"]))
        predicted.append(result.label)
        sources.append(str(pair.get("source", "all")))
    return score_labels(gold=gold, predicted=predicted, sources=sources)
