"""Rank a pool of claims for each query, as the analysis task does, and score the ranking."""

from __future__ import annotations

import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims import engine
from claims.analysis import claim_ranking, claims_index
from claims.analysis.typos import misspell
from claims.benchdb import temporary_database
from claims.engine import semantic as semantic_tier
from claims.engine.evaluate import (
    average_precision_at_k,
    load_qrels,
    load_texts,
    percentile,
    reciprocal_rank,
)
from claims.models import AnalysisState, Claim, ClaimStatus
from claims.semantic_index import claims_embed

# MRR looks this deep; MAP@k only at the top k.
DEPTH = 100


class Command(BaseCommand):
    help = (
        "Load a pool of claims into a temporary database, rank it for each query with the "
        "analysis task's code, and print MAP@1/3/5, MRR and latency as JSON (last line)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=Path, required=True, help="Pool, JSON lines.")
        parser.add_argument("--queries", type=Path, required=True, help="Queries, JSON lines.")
        parser.add_argument("--qrels", type=Path, required=True, help="query_id<TAB>claim_id.")
        parser.add_argument("--k", type=int, default=5, help="MAP cut-off (default 5).")
        parser.add_argument(
            "--fields",
            default="text,title",
            help="Pool fields joined into a claim's text (default text,title).",
        )
        parser.add_argument("--run-out", type=Path, help="Write the ranking as a TREC run.")
        parser.add_argument(
            "--semantic", action="store_true", help="Add the sentence-embedding tier."
        )
        parser.add_argument(
            "--typos",
            type=float,
            default=0.0,
            metavar="RATE",
            help="Misspell each query word (3+ letters) with this probability, 0..1 (default 0).",
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="Random seed of the misspellings (default 0)."
        )
        parser.add_argument(
            "--no-typo-tolerance",
            action="store_true",
            help="Rank without looking misspelt query terms up one edit away (to compare).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        k: int = options["k"]
        if k < 1:
            raise CommandError("--k must be at least 1.")
        semantic: bool = options["semantic"]
        rate: float = options["typos"]
        if not 0.0 <= rate <= 1.0:
            raise CommandError("--typos must be between 0 and 1.")
        tolerant = not options["no_typo_tolerance"]
        if semantic and not semantic_tier.available():
            raise CommandError(f"--semantic: {semantic_tier.unavailable_reason()}")
        fields = [f.strip() for f in options["fields"].split(",") if f.strip()]
        try:
            pool = load_texts(options["claims"], fields=fields)
            queries = load_texts(options["queries"])
            qrels = load_qrels(options["qrels"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        judged = {qid: text for qid, text in queries.items() if qrels.get(qid)}
        if not judged:
            raise CommandError("No query has a relevance judgement in --qrels.")
        if rate > 0:
            # One generator for the whole run, queries in file order: a seed is one set of
            # typo'd queries, whatever else the run is asked.
            rng = random.Random(options["seed"])  # noqa: S311 - reproducible test data
            judged = {qid: misspell(text, rate=rate, rng=rng) for qid, text in judged.items()}

        with temporary_database():
            started = time.perf_counter()
            ids = self._load_pool(pool, semantic=semantic)
            load_s = time.perf_counter() - started
            external = {pk: ext for ext, pk in ids.items()}
            timings: list[float] = []
            cutoffs = sorted({1, 3, 5, k})
            ap = dict.fromkeys(cutoffs, 0.0)
            rr = 0.0
            run_lines: list[str] = []
            for query_id, text in judged.items():
                t0 = time.perf_counter()
                hits = claim_ranking(
                    text=text,
                    exclude_id=None,
                    k=DEPTH,
                    semantic_tier=semantic,
                    typo_tolerant=tolerant,
                )
                timings.append((time.perf_counter() - t0) * 1000.0)
                ranked = [external[pk] for pk, _ in hits]
                gold = qrels[query_id]
                for cutoff in cutoffs:
                    ap[cutoff] += average_precision_at_k(ranked, gold, cutoff)
                rr += reciprocal_rank(ranked, gold)
                run_lines.extend(
                    f"{query_id} Q0 {external[pk]} {rank} {score:.6f} claimdesk"
                    for rank, (pk, score) in enumerate(hits[:k], start=1)
                )
        if options["run_out"]:
            options["run_out"].write_text("\n".join(run_lines) + "\n", encoding="utf-8")
        n = len(judged)
        result: dict[str, Any] = {f"map@{c}": round(ap[c] / n, 4) for c in cutoffs}
        result.update(
            mrr=round(rr / n, 4),
            queries=n,
            pool=len(pool),
            median_ms=round(statistics.median(timings), 2),
            p95_ms=round(percentile(timings, 95), 2),
            load_s=round(load_s, 1),
            semantic=semantic,
            typos=rate,
            seed=options["seed"] if rate > 0 else None,
            typo_tolerance=tolerant,
            engine=engine.ENGINE_VERSION,
        )
        self.stdout.write(json.dumps(result))

    def _load_pool(self, pool: dict[str, str], *, semantic: bool) -> dict[str, int]:
        """Pool claims go in as rows, then through the task's indexing code in batches."""
        Claim.objects.bulk_create(
            [
                Claim(
                    text=text,
                    external_id=f"eval:{ext}",
                    status=ClaimStatus.READY,
                    analysis_state=AnalysisState.DONE,
                )
                for ext, text in pool.items()
            ],
            batch_size=2000,
        )
        ids = {
            ext.removeprefix("eval:"): pk
            for ext, pk in Claim.objects.filter(external_id__startswith="eval:").values_list(
                "external_id", "pk"
            )
        }
        claims_index(claim_ids=list(ids.values()))
        if semantic:
            claims_embed(claim_ids=list(ids.values()))
        return ids
