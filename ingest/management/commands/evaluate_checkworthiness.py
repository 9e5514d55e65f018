"""Score a labelled file with the committed check-worthiness model.

    python manage.py evaluate_checkworthiness --data F.jsonl [--semantic] [--predictions-out P.jsonl]

The last line printed is JSON: f1 (of the check-worthy class), precision, recall, ap (average
precision of the ranking), n and ms_per_sentence (features, embedding when asked, scoring).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.checkworthiness import score_sentences
from ingest.checkworthiness.data import read_labelled
from ingest.checkworthiness.metrics import summary
from ingest.checkworthiness.model import SEMANTIC_PATH


class Command(BaseCommand):
    help = "Evaluate check-worthiness scores against labelled sentences."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="JSON lines: id, text, label")
        parser.add_argument("--semantic", action="store_true", help="use the MiniLM tier")
        parser.add_argument("--predictions-out", default="", help="write id, score, predicted")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = read_labelled(options["data"])
        if options["semantic"]:
            from claims.engine import semantic

            if not semantic.available():
                raise CommandError(f"semantic tier: {semantic.unavailable_reason()}")
            if not SEMANTIC_PATH.exists():
                raise CommandError(
                    "no semantic weights yet: python manage.py train_checkworthiness --semantic "
                    "--data ../shared/bench/checkworthy/ct24-train.jsonl"
                )
            semantic.encode(["warm-up"])  # loading the model is not per-sentence work
        started = time.perf_counter()
        scored = score_sentences([r.text for r in rows], semantic=options["semantic"])
        elapsed = time.perf_counter() - started
        if options["predictions_out"]:
            with Path(options["predictions_out"]).open("w", encoding="utf-8") as out:
                for row, s in zip(rows, scored, strict=True):
                    line = {"id": row.id, "score": round(s.score, 6), "predicted": int(s.predicted)}
                    out.write(json.dumps(line) + "\n")
        result = summary(
            [r.label for r in rows], [s.score for s in scored], [s.predicted for s in scored]
        )
        result["ms_per_sentence"] = round(1000 * elapsed / len(rows), 3)
        self.stdout.write(json.dumps(result))
