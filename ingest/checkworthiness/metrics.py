"""F1 of the check-worthy class and average precision, as CheckThat! reports them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["average_precision", "summary"]


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Mean of the precision at each check-worthy sentence, ranking by score (ties: file order)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits = 0
    total = 0.0
    for rank, i in enumerate(order, start=1):
        if labels[i]:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def summary(
    labels: Sequence[int], scores: Sequence[float], predicted: Sequence[bool]
) -> dict[str, float | int]:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    n_pred = sum(1 for p in predicted if p)
    n_pos = sum(1 for y in labels if y)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_pos if n_pos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "f1": round(f1, 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "ap": round(average_precision(labels, scores), 4),
        "n": len(labels),
    }
