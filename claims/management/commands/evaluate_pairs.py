"""Classify labelled claim pairs with the analysis task's classifier and score the labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims import engine
from claims.analysis import pair_compare, pair_similarities
from claims.engine import semantic as semantic_tier
from claims.engine.evaluate import load_pairs, score_labels


class Command(BaseCommand):
    help = (
        "Classify each pair (repeat, conflict, compatible, unrelated) exactly as claim "
        "analysis does and print precision/recall/F1 per label, overall and per source, as "
        "JSON (last line)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pairs", type=Path, required=True, help="Pairs, JSON lines.")
        parser.add_argument(
            "--predictions-out", type=Path, help="Write one JSON line per pair's prediction."
        )
        parser.add_argument(
            "--semantic", action="store_true", help="Add the sentence-embedding tier."
        )
        parser.add_argument("--source", help="Only pairs from this source.")

    def handle(self, *args: Any, **options: Any) -> None:
        semantic: bool = options["semantic"]
        if semantic and not semantic_tier.available():
            raise CommandError(f"--semantic: {semantic_tier.unavailable_reason()}")
        try:
            pairs = load_pairs(options["pairs"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['pairs']}: {exc}") from None
        if options["source"]:
            pairs = [p for p in pairs if p.get("source") == options["source"]]
        if not pairs:
            raise CommandError("No pairs to evaluate.")
        texts = [(str(p["a"]), str(p["b"])) for p in pairs]
        similarities: list[float | None] = (
            list(pair_similarities(texts)) if semantic else [None] * len(texts)
        )
        features: dict[str, engine.ClaimFeatures] = {}
        predictions = []
        for (a, b), similarity in zip(texts, similarities, strict=True):
            fa = features.get(a) or features.setdefault(a, engine.analyze(a))
            fb = features.get(b) or features.setdefault(b, engine.analyze(b))
            result, _method = pair_compare(fa, fb, similarity=similarity)
            predictions.append(result)
        if options["predictions_out"]:
            with options["predictions_out"].open("w", encoding="utf-8") as out:
                for i, (pair, result) in enumerate(zip(pairs, predictions, strict=True)):
                    row = {
                        "id": pair.get("id", str(i)),
                        "predicted": result.label,
                        "score": round(result.score, 4),
                        "reasons": list(result.reasons),
                    }
                    out.write(json.dumps(row) + "\n")
        report = score_labels(
            gold=[str(p["label"]) for p in pairs],
            predicted=[r.label for r in predictions],
            sources=[str(p.get("source", "all")) for p in pairs],
        )
        report.update(pairs=len(pairs), semantic=semantic, engine=engine.ENGINE_VERSION)
        self.stdout.write(json.dumps(report))
