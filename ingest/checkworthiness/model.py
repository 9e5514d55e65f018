"""A linear check-worthiness model: logistic regression over sparse named features.

The model is a weight per named feature, a bias and a decision threshold, stored as a small
JSON file in this folder (``weights.json`` for the lexical tier, ``weights-semantic.json`` for
the tier that also reads the MiniLM sentence embedding).  ``train_checkworthiness`` rebuilds
them; nothing here needs more than numpy, and scoring needs only the standard library plus
numpy for the embedding part.

Training is plain full-batch logistic regression with an L2 penalty, fitted by Adam on a
hand-built sparse matrix (row ids, column ids, values): the data is tens of thousands of short
sentences, which fits this comfortably without a machine-learning library.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.checkworthiness.features import SentenceFeatures, extract

__all__ = [
    "LEXICAL_PATH",
    "SEMANTIC_PATH",
    "LinearModel",
    "Scored",
    "TrainOptions",
    "best_threshold",
    "train",
]

HERE = Path(__file__).resolve().parent
LEXICAL_PATH = HERE / "weights.json"
SEMANTIC_PATH = HERE / "weights-semantic.json"
EMBEDDING_PREFIX = "e:"


@dataclass(frozen=True)
class Scored:
    """One sentence's score (0..1), whether it passes the model's threshold, and its reasons."""

    score: float
    predicted: bool
    reasons: list[str]


@dataclass
class LinearModel:
    """Weights per feature name, a bias and the threshold chosen on held-out folds."""

    weights: dict[str, float]
    bias: float
    threshold: float
    semantic: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            semantic=bool(data.get("semantic", False)),
            meta=dict(data.get("meta", {})),
        )

    def save(self, path: Path) -> None:
        data = {
            "meta": self.meta,
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
            "semantic": self.semantic,
            # Sorted and rounded: a retrain shows as a readable diff, and the file stays small.
            "weights": {k: round(v, 5) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-4},
        }
        path.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")

    def score(self, text: str, embedding: Sequence[float] | None = None) -> Scored:
        feats = extract(text)
        z = self.bias + _dot(self.weights, _scaled(feats, embedding))
        probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return Scored(probability, probability >= self.threshold, _reasons(self.weights, feats))

    def score_many(self, texts: Sequence[str], embeddings: Any = None) -> list[Scored]:
        if self.semantic and embeddings is None:
            raise ValueError("this model reads sentence embeddings: pass them")
        return [
            self.score(text, None if embeddings is None else embeddings[i])
            for i, text in enumerate(texts)
        ]


def _scaled(feats: SentenceFeatures, embedding: Sequence[float] | None) -> dict[str, float]:
    """Feature values as the model sees them: n-grams share one unit of length per sentence."""
    grams = [k for k in feats.values if not k.startswith("c:")]
    scale = 1.0 / math.sqrt(len(grams)) if grams else 0.0
    values = {k: (v * scale if not k.startswith("c:") else v) for k, v in feats.values.items()}
    if embedding is not None:
        for i, x in enumerate(embedding):
            values[f"{EMBEDDING_PREFIX}{i}"] = float(x)
    return values


def _dot(weights: dict[str, float], values: dict[str, float]) -> float:
    return sum(weights.get(k, 0.0) * v for k, v in values.items())


def _reasons(weights: dict[str, float], feats: SentenceFeatures) -> list[str]:
    """Readable reasons of the cues that fired, strongest first (by their learned weight)."""
    ordered = sorted(feats.reasons, key=lambda name: -abs(weights.get(f"c:{name}", 0.0)))
    return [feats.reasons[name] for name in ordered]


@dataclass(frozen=True)
class TrainOptions:
    """Training knobs. The defaults are the ones the committed weights were built with."""

    l2: float = 3e-5
    epochs: int = 200
    learning_rate: float = 0.05
    min_count: int = 2
    folds: int = 3
    balanced: bool = True
    # None: decide at even odds (0.5), which the balanced class weights make independent of
    # how many check-worthy sentences a file happens to hold (debates, news and posts differ).
    # "oof": the threshold with the best F1 on out-of-fold scores of the training file.
    threshold: float | str | None = None
    seed: int = 18


def _matrix(
    rows: list[dict[str, float]], index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r: list[int] = []
    c: list[int] = []
    v: list[float] = []
    for i, row in enumerate(rows):
        for key, value in row.items():
            j = index.get(key)
            if j is not None:
                r.append(i)
                c.append(j)
                v.append(value)
    return np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64), np.asarray(v)


def _fit(
    rows: list[dict[str, float]], labels: np.ndarray, index: dict[str, int], opts: TrainOptions
) -> tuple[np.ndarray, float]:
    r, c, v = _matrix(rows, index)
    n, d = len(rows), len(index)
    w = np.zeros(d)
    b = 0.0
    positives = float(labels.sum())
    if opts.balanced and 0 < positives < n:
        sample = np.where(labels == 1, n / (2 * positives), n / (2 * (n - positives)))
    else:
        sample = np.ones(n)
    m_w, v_w = np.zeros(d), np.zeros(d)
    m_b = v_b = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, opts.epochs + 1):
        z = np.bincount(r, weights=v * w[c], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - labels) * sample / n
        grad_w = np.bincount(c, weights=v * g[r], minlength=d) + opts.l2 * w
        grad_b = float(g.sum())
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= opts.learning_rate * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= opts.learning_rate * (m_b / correction1) / (math.sqrt(v_b / correction2) + eps)
    return w, b


def _predict(
    rows: list[dict[str, float]], index: dict[str, int], w: np.ndarray, b: float
) -> np.ndarray:
    r, c, v = _matrix(rows, index)
    z = np.bincount(r, weights=v * w[c], minlength=len(rows)) + b
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold with the best F1 of the positive class on these scores, and that F1."""
    order = np.argsort(-scores)
    sorted_labels = labels[order]
    tp = np.cumsum(sorted_labels)
    predicted = np.arange(1, len(scores) + 1)
    total = max(float(labels.sum()), 1.0)
    f1 = 2 * tp / (predicted + total)
    best = int(np.argmax(f1))
    upper = scores[order][best]
    lower = scores[order][best + 1] if best + 1 < len(scores) else upper
    return float((upper + lower) / 2), float(f1[best])


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    embeddings: Any = None,
    options: TrainOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinearModel:
    """Fit the model, choosing its threshold on out-of-fold scores of the training data."""
    opts = options or TrainOptions()
    say = progress or (lambda _message: None)
    y = np.asarray(labels, dtype=np.float64)
    rows = [
        _scaled(extract(t), None if embeddings is None else embeddings[i])
        for i, t in enumerate(texts)
    ]
    counts = Counter(k for row in rows for k in row)
    names = sorted(
        k for k, n in counts.items() if n >= opts.min_count or not k.startswith(("w:", "b:"))
    )
    index = {k: i for i, k in enumerate(names)}
    say(f"{len(rows)} sentences, {len(index)} features")

    # Out-of-fold scores choose the threshold, so no sentence judges a model that saw it.
    rng = np.random.default_rng(opts.seed)
    fold = rng.integers(0, opts.folds, size=len(rows))
    oof = np.zeros(len(rows))
    for k in range(opts.folds):
        train_idx = np.flatnonzero(fold != k)
        test_idx = np.flatnonzero(fold == k)
        w, b = _fit([rows[i] for i in train_idx], y[train_idx], index, opts)
        oof[test_idx] = _predict([rows[i] for i in test_idx], index, w, b)
        say(f"fold {k + 1}/{opts.folds} done")
    best, cv_f1 = best_threshold(oof, y)
    if opts.threshold == "oof":
        threshold = best
    else:
        threshold = 0.5 if opts.threshold is None else float(opts.threshold)
    predicted = oof >= threshold
    tp = float((predicted & (y == 1)).sum())
    f1_at = 2 * tp / max(float(predicted.sum() + y.sum()), 1.0)
    say(f"out-of-fold F1 {f1_at:.3f} at threshold {threshold:.3f} (best {cv_f1:.3f} at {best:.3f})")

    w, b = _fit(rows, y, index, opts)
    return LinearModel(
        weights={name: float(w[i]) for name, i in index.items()},
        bias=b,
        threshold=threshold,
        semantic=embeddings is not None,
        meta={
            "sentences": len(rows),
            "positives": int(y.sum()),
            "out_of_fold_f1": round(f1_at, 4),
            "options": {k: getattr(opts, k) for k in opts.__dataclass_fields__},
        },
    )
