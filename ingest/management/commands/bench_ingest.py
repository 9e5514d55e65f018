"""Time ingesting articles: per article (p50/p95), sentences per second, lexical and semantic,
and what the repeat check against a desk of many claims adds.

Runs in a temporary database (or a kept one, ``--keep-db``), filled with ``--claims`` indexed
desk claims as ``bench_matching`` builds its pool. Articles of about ``--words`` words are
made of sentences from the check-worthiness evaluation files (debates and tweets), with a few
desk claims planted in each so the repeat check finds real matches. Prints progress, then ONE
JSON object as the last line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from claims import analysis
from claims.benchdb import kept_database, temporary_database
from claims.engine import semantic as embedding
from claims.management.commands.bench_matching import Command as MatchingBench
from claims.management.commands.bench_matching import (
    Variants,
    default_data_dir,
    load_texts,
    percentile,
)
from claims.models import AnalysisState, Claim
from ingest.checkworthiness import score_sentences
from ingest.extract import Extracted
from ingest.models import IngestOrigin
from ingest.segment import sentences
from ingest.services import desk_matches, ingest_body, threshold
from sources.models import Source

SENTENCE_FILES = ("ct24-dev.jsonl", "ct24-dev-test.jsonl", "ct22-tweets-dev.jsonl")
INDEX_BATCH = 2000
# One sentence in this many is a desk claim's text: an article that repeats a few claims.
PLANT_EVERY = 20


def _sentences(data_dir: Path) -> list[str]:
    found: dict[str, None] = {}
    for name in SENTENCE_FILES:
        path = data_dir / "checkworthy" / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            text = " ".join(str(json.loads(line).get("text", "")).split())
            if len(text.split()) >= 4:
                found[text] = None
    return list(found)


def _article(rng: random.Random, pool: list[str], planted: list[str], words: int) -> str:
    """About ``words`` words in paragraphs of three to six sentences."""
    paragraphs: list[str] = []
    count = 0
    while count < words:
        paragraph = []
        for _ in range(rng.randint(3, 6)):
            use_planted = planted and rng.randrange(PLANT_EVERY) == 0
            text = rng.choice(planted if use_planted else pool)
            if text[-1] not in ".!?\"'":
                text += "."
            paragraph.append(text)
            count += len(text.split())
        paragraphs.append(" ".join(paragraph))
    return f"Generated article {rng.randrange(10**9)}\n\n" + "\n\n".join(paragraphs) + "\n"


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "n": len(values),
    }


class Command(BaseCommand):
    help = "Benchmark ingesting N generated articles (lexical and semantic); last line is JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=20, help="Lexical articles timed.")
        parser.add_argument(
            "--semantic-articles",
            type=int,
            default=5,
            help="Articles timed with the semantic tier (0: none; needs the semantic extra).",
        )
        parser.add_argument("--words", type=int, default=2000, help="Words per article.")
        parser.add_argument(
            "--claims", type=int, default=10_000, help="Indexed desk claims (0: an empty desk)."
        )
        parser.add_argument("--seed", type=int, default=18)
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument(
            "--keep-db",
            default="",
            metavar="NAME",
            help="Build the desk into database NAME and keep it; a later run with the same "
            "NAME and --claims reuses it instead of building it again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = options["data_dir"] or default_data_dir()
        pool = _sentences(data_dir)
        if not pool:
            raise CommandError(f"No sentences under {data_dir}/checkworthy/.")
        claim_texts = load_texts(data_dir) if options["claims"] else []
        if options["claims"] and not claim_texts:
            raise CommandError(f"No claim texts under {data_dir}/repeats/*/claims.jsonl.")
        keep = str(options["keep_db"] or "")
        with kept_database(keep) if keep else temporary_database():
            result = self.run(options, pool, claim_texts)
        self.stdout.write(json.dumps(result))

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def build_desk(self, n: int, texts: list[str], rng: random.Random) -> tuple[list[str], float]:
        """The desk's claims, indexed; reused from a kept database when it holds them."""
        # A kept database still holds the articles of an earlier run (the same ones, seeded).
        Source.objects.filter(ingests__isnull=False).delete()
        existing = Claim.objects.count()
        started = time.perf_counter()
        if existing == 0 and n:
            ids = MatchingBench().build_pool(n, texts, Variants(rng))
            for start in range(0, len(ids), INDEX_BATCH):
                analysis.claims_index(claim_ids=ids[start : start + INDEX_BATCH])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE claims_claimterm")
                    cursor.execute("VACUUM ANALYZE claims_claim")
        elif existing != n:
            raise CommandError(f"The kept database holds {existing} claims, not {n}.")
        # A desk's index change feed holds the last hours' changes (beat prunes it); this one
        # holds the whole desk, written a moment ago. While any transaction older than it is
        # open anywhere on the server (another database's, even), each replay of the mirror
        # would read all of it again, which no settled desk does; so it is pruned here.
        analysis.index_feed_prune(older_than=dt.timedelta(0))
        built = time.perf_counter() - started
        sample = list(
            Claim.objects.filter(analysis_state=AnalysisState.DONE)
            .order_by("?")
            .values_list("text", flat=True)[:500]
        )
        return sample, built

    def time_articles(
        self, articles: list[str], *, semantic: bool
    ) -> tuple[dict[str, Any], list[float]]:
        ingest_ms: list[float] = []
        repeat_ms: list[float] = []
        score_ms: list[float] = []
        counts: list[int] = []
        for body in articles:
            t0 = time.perf_counter()
            result = ingest_body(
                actor=None,
                extracted=Extracted(body=body, title=body.split("\n", 1)[0]),
                origin=IngestOrigin.TEXT,
                semantic=semantic,
            )
            ingest_ms.append((time.perf_counter() - t0) * 1000)
            if not result.created:
                raise CommandError("a generated article was already in (same content)")
            # The stages again on the same text, apart: scoring, and the repeat check of the
            # sentences the page shows (the part that reads the desk's claims).
            spans = sentences(body)
            counts.append(len(spans))
            t0 = time.perf_counter()
            scored = score_sentences([s.text for s in spans], semantic=semantic)
            score_ms.append((time.perf_counter() - t0) * 1000)
            shown = [
                s.text
                for s, sc in zip(spans, scored, strict=True)
                if sc.score >= threshold() and s.repeat_of is None
            ]
            t0 = time.perf_counter()
            desk_matches(shown)
            repeat_ms.append((time.perf_counter() - t0) * 1000)
        seconds = sum(ingest_ms) / 1000
        figures = {
            "ingest_ms": _summary(ingest_ms),
            "score_ms": _summary(score_ms),
            "repeat_check_ms": _summary(repeat_ms),
            "sentences_per_article": round(sum(counts) / max(1, len(counts)), 1),
            "sentences_per_s": round(sum(counts) / seconds, 1) if seconds else 0.0,
        }
        return figures, ingest_ms

    def run(self, options: dict[str, Any], pool: list[str], claim_texts: list[str]) -> dict:
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible test data
        n_claims = int(options["claims"])
        planted, built = self.build_desk(n_claims, claim_texts, rng)
        self.say(f"desk: {n_claims} indexed claims ready in {built:.1f}s")
        # The index mirror is loaded once per worker process; load it before timing.
        analysis.analysis_caches_clear()
        if n_claims:
            analysis.index_mirror()
        words = int(options["words"])
        n_lexical = int(options["articles"])
        n_semantic = int(options["semantic_articles"])
        articles = [_article(rng, pool, planted, words) for _ in range(n_lexical + n_semantic + 1)]
        self.time_articles(articles[:1], semantic=False)  # warm-up: model and caches loaded
        lexical, _ = self.time_articles(articles[1 : n_lexical + 1], semantic=False)
        self.say(
            f"lexical: {n_lexical} articles, p50 {lexical['ingest_ms']['p50']} ms, "
            f"p95 {lexical['ingest_ms']['p95']} ms, {lexical['sentences_per_s']} sentences/s"
        )
        result: dict[str, Any] = {
            "benchmark": "bench_ingest",
            "database": connection.vendor,
            "desk_claims": n_claims,
            "words_per_article": round(
                sum(len(a.split()) for a in articles[1:]) / max(1, len(articles) - 1)
            ),
            "lexical": lexical,
            "semantic": None,
        }
        if n_semantic and embedding.available():
            embedding.encode(["warm up the model"])
            semantic, _ = self.time_articles(articles[n_lexical + 1 :], semantic=True)
            result["semantic"] = semantic
            self.say(
                f"semantic: {n_semantic} articles, p50 {semantic['ingest_ms']['p50']} ms, "
                f"{semantic['sentences_per_s']} sentences/s"
            )
        elif n_semantic:
            self.say("semantic tier not available (install the semantic extra); skipped")
        result["load_average_1m"] = round(os.getloadavg()[0], 2)
        result["cpus"] = os.cpu_count()
        return result
