"""Rebuild the committed check-worthiness weights from a labelled file.

    python manage.py train_checkworthiness --data ../shared/bench/checkworthy/ct24-train.jsonl
    python manage.py train_checkworthiness --data ... --semantic   # the MiniLM tier

The committed weights are trained on ct24-train only (ClaimBuster, CC BY 4.0); the threshold is
chosen on out-of-fold scores of that same file, so no evaluation file shapes the model.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.checkworthiness.data import read_labelled
from ingest.checkworthiness.model import LEXICAL_PATH, SEMANTIC_PATH, TrainOptions, train


class Command(BaseCommand):
    help = "Train the check-worthiness model and write its weights file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="JSON lines: id, text, label")
        parser.add_argument("--semantic", action="store_true", help="also read MiniLM embeddings")
        parser.add_argument("--out", default="", help="weights file (default: the committed one)")
        defaults = TrainOptions()
        parser.add_argument("--epochs", type=int, default=defaults.epochs)
        parser.add_argument("--l2", type=float, default=defaults.l2)
        parser.add_argument("--folds", type=int, default=defaults.folds)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = read_labelled(options["data"])
        texts = [r.text for r in rows]
        embeddings = None
        if options["semantic"]:
            from claims.engine import semantic

            if not semantic.available():
                raise CommandError(f"semantic tier: {semantic.unavailable_reason()}")
            started = time.perf_counter()
            embeddings = semantic.encode(texts)
            self.stdout.write(
                f"embedded {len(texts)} sentences in {time.perf_counter() - started:.0f} s"
            )
        opts = TrainOptions(epochs=options["epochs"], l2=options["l2"], folds=options["folds"])
        model = train(
            texts,
            [r.label for r in rows],
            embeddings=embeddings,
            options=opts,
            progress=self.stdout.write,
        )
        model.meta["data"] = Path(options["data"]).name
        out = (
            Path(options["out"])
            if options["out"]
            else (SEMANTIC_PATH if embeddings is not None else LEXICAL_PATH)
        )
        model.save(out)
        self.stdout.write(
            f"wrote {out} ({len(model.weights)} weights, threshold {model.threshold:.3f})"
        )
