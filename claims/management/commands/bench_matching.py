"""Benchmark claim analysis against a large pool, optionally beside a trigram search.

Builds a pool of N claims from the real claim texts of the benchmark data (each text reused
with other numbers and other names so the claims are distinct), plants known repeats and
conflicts of pool claims, then analyses the planted claims with ``claim_analyze`` (what the
Celery task runs) and reports latency, throughput with worker processes and the recall of the
planted pairs. Everything happens in a temporary database; the desk's data is never touched.

A million-claim pool takes a while to build; ``--keep-db NAME`` builds it into database NAME
and leaves it there, and a later run with the same NAME and ``--claims`` reuses it (the
planted claims and flags of the previous run are removed first; the pool is the same, the
planted claims are drawn afresh from the seed). Drop NAME by hand when done with it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, connections
from django.db.models import F, Q, Value

from claims import analysis, engine
from claims.analysis import timing
from claims.benchdb import kept_database, temporary_database
from claims.models import AnalysisState, Claim, ClaimStatus, ClaimTerm, Flag
from claims.tasks import SWEEP_BATCH, analyze_claims

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")
# A capitalised word that does not start a sentence: taken for a name and swapped.
_NAME_RE = re.compile(r"(?<=[a-z,;:]\s)[A-Z][a-z]{2,}")
_NEGATABLE_RE = re.compile(r"\b(is|was|are|were|will|can|has|have|does|did)\b")
_SYLLABLES = (
    "ka",
    "ri",
    "to",
    "ven",
    "mal",
    "dor",
    "si",
    "lu",
    "bra",
    "ne",
    "qui",
    "zor",
    "fel",
    "an",
    "tha",
    "mi",
    "go",
    "rus",
    "le",
    "pa",
    "vo",
    "ki",
    "del",
    "sar",
    "un",
    "ter",
    "bo",
    "lin",
    "ha",
    "zu",
    "ce",
    "ro",
)
TEXT_LIMIT = 1000


@dataclass(frozen=True)
class Planted:
    """A claim written as a repeat or a conflict of a pool claim (its partner)."""

    claim_id: int
    partner_id: int
    kind: str


def default_data_dir() -> Path:
    configured = os.environ.get("CLAIMDESK_BENCH_DIR")
    if configured:
        return Path(configured)
    beside = Path(settings.BASE_DIR).parent / "shared" / "bench"
    return beside if beside.exists() else Path("/work/shared/bench")


def load_texts(data_dir: Path) -> list[str]:
    """Distinct claim texts of every repeats pool under ``data_dir``."""
    texts: dict[str, None] = {}
    for path in sorted((data_dir / "repeats").glob("*/claims.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    text = " ".join(str(json.loads(line).get("text", "")).split())
                    if len(text) >= 20:
                        texts[text[:TEXT_LIMIT]] = None
    return list(texts)


class Variants:
    """Makes distinct copies of a text: other figures and other (invented) names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self) -> str:
        parts = self.rng.randint(2, 3)
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()

    def number(self, raw: str) -> str:
        digits = raw.replace(",", "").split(".")[0]
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return str(self.rng.randint(1950, 2030))
        return str(self.rng.randint(2, 10 ** max(1, len(digits)) * 3))

    def copy(self, text: str) -> str:
        # Another claim about someone else: the first one or two names swapped, always the
        # same ones for a text, so any two copies differ by a name-for-name swap (what the
        # classifier reads as another subject), and other figures.
        found = list(dict.fromkeys(m.group(0) for m in _NAME_RE.finditer(text)))
        names = {name: self.name() for name in found[:2]}

        def swap_name(m: re.Match[str]) -> str:
            return names.get(m.group(0), m.group(0))

        varied = _NAME_RE.sub(swap_name, text)
        varied = _NUMBER_RE.sub(lambda m: self.number(m.group(0)), varied)
        if not names:
            # Nothing to swap: the copy gets its own place so it is still another claim.
            varied = f"{varied.rstrip('.')} in {self.name()}."
        return varied[:TEXT_LIMIT]

    def repeat(self, text: str) -> str:
        """The same claim passed on again: other quotes, punctuation and symbols.

        The wording itself is kept: a lead-in such as "posts claim that" adds words the
        lexical classifier counts as content, so it would measure the classifier's handling
        of wrappers rather than how fast and completely the index finds the original.
        """
        body = text.rstrip(".!").replace('"', "").replace("“", "").replace("”", "")
        if self.rng.random() < 0.5:
            body = body.replace(" percent", "%").replace(" per cent", "%").replace(" and ", " & ")
        return (body + self.rng.choice((".", "!", "!!", ""))).strip()[:TEXT_LIMIT]

    def conflict(self, text: str) -> str:
        """The same claim with another figure, or denied when it states none."""
        numbers = list(_NUMBER_RE.finditer(text))
        if numbers:
            m = self.rng.choice(numbers)
            value = float(m.group(0).replace(",", ""))
            other = int(value * self.rng.choice((3, 5, 7)) + 11)
            return (text[: m.start()] + str(other) + text[m.end() :])[:TEXT_LIMIT]
        verb = _NEGATABLE_RE.search(text)
        if verb:
            return (text[: verb.end()] + " not" + text[verb.end() :])[:TEXT_LIMIT]
        return f"It is not true that {text[:1].lower()}{text[1:]}"[:TEXT_LIMIT]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _run_in_processes(target: Any, parts: list[list[int]], workers: int) -> None:
    """Run ``target(ids)`` for each part in ``workers`` forked processes and wait for all.

    Each process takes the next part as it finishes one, as Celery's pool processes take the
    next message (prefetch of one).
    """
    connections.close_all()  # children must open their own connections
    context = multiprocessing.get_context("fork")
    # A feeder thread writes to the pipe, so putting never blocks, even when a process dies
    # before reading; nor does exiting with parts left unread.
    queue = context.Queue()
    queue.cancel_join_thread()
    for part in [*parts, *[None] * workers]:
        queue.put(part)
    processes = [context.Process(target=_child, args=(target, queue)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise CommandError(f"a worker process failed (exit codes {failed})")


def _child(target: Any, queue: Any) -> None:
    code = 0
    try:
        # The parent's index mirror is inherited, as a Celery prefork child inherits the
        # worker's: it replays what changed since instead of loading again.
        while (ids := queue.get()) is not None:
            target(ids)
    except Exception:  # reported through the exit code
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        connections.close_all()
    # Skip interpreter teardown: it would run the parent's exit handlers in the child.
    os._exit(code)


def _index_pool(ids: list[int]) -> None:
    for part in chunks(ids, 2000):
        analysis.claims_index(claim_ids=part)


class Command(BaseCommand):
    help = (
        "Benchmark claim analysis on a temporary database with N generated claims; "
        "last line is JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, required=True, help="Pool size.")
        parser.add_argument(
            "--compare-trigram",
            action="store_true",
            help="Also time PostgreSQL trigram similarity search on the same data.",
        )
        parser.add_argument(
            "--queries", type=int, default=0, help="Planted claims timed one by one."
        )
        parser.add_argument(
            "--backlog", type=int, default=0, help="Planted claims analysed for throughput."
        )
        parser.add_argument(
            "--trigram-queries",
            type=int,
            default=100,
            help="How many of the timed claims the (slow) trigram search also runs.",
        )
        parser.add_argument("--workers", type=int, default=2, help="Processes for throughput.")
        parser.add_argument("--k", type=int, default=analysis.CANDIDATES, help="Top k searched.")
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument(
            "--cold",
            action="store_true",
            help="Do not read the index into the OS page cache before timing (PostgreSQL).",
        )
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument(
            "--keep-db",
            default="",
            metavar="NAME",
            help=(
                "Build the pool into database NAME and keep it; a later run with the same "
                "NAME and --claims reuses the pool (its planted claims and flags are "
                "replaced) instead of building it again."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n = int(options["claims"])
        if n < 10:
            raise CommandError("--claims must be at least 10.")
        is_pg = connection.vendor == "postgresql"
        if options["compare_trigram"] and not is_pg:
            raise CommandError("--compare-trigram needs PostgreSQL (pg_trgm); this is SQLite.")
        data_dir = options["data_dir"] or default_data_dir()
        texts = load_texts(data_dir)
        if not texts:
            raise CommandError(f"No claim texts found under {data_dir}/repeats/*/claims.jsonl.")
        queries = options["queries"] or min(200, max(20, n // 10))
        backlog = options["backlog"] or min(2000, max(20, n // 10))
        # An in-memory SQLite database lives in one process only.
        workers = max(1, int(options["workers"])) if is_pg else 1
        # Seeded on purpose: the same pool and planted pairs on every run.
        rng = random.Random(options["seed"])  # noqa: S311
        keep = str(options["keep_db"] or "")
        database = kept_database(keep) if keep else temporary_database()
        with database:
            result = self.run(
                n=n,
                texts=texts,
                rng=rng,
                queries=queries,
                backlog=backlog,
                workers=workers,
                k=int(options["k"]),
                trigram=bool(options["compare_trigram"]),
                trigram_queries=int(options["trigram_queries"]),
                is_pg=is_pg,
                reuse=bool(keep),
                cold=bool(options["cold"]),
            )
        self.stdout.write(json.dumps(result))

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def run(
        self,
        *,
        n: int,
        texts: list[str],
        rng: random.Random,
        queries: int,
        backlog: int,
        workers: int,
        k: int,
        trigram: bool,
        trigram_queries: int,
        is_pg: bool,
        reuse: bool = False,
        cold: bool = False,
    ) -> dict[str, Any]:
        variants = Variants(rng)
        started = time.perf_counter()
        pool_ids = self.reuse_pool(n) if reuse else []
        reused = bool(pool_ids)
        if not reused:
            pool_ids = self.build_pool(n, texts, variants)
        inserted = time.perf_counter()
        if reused:
            pass
        elif is_pg and workers > 1:
            _run_in_processes(_index_pool, [pool_ids[i::workers] for i in range(workers)], workers)
        else:
            _index_pool(pool_ids)
        if is_pg:
            with connection.cursor() as cursor:
                # Fresh planner statistics and visibility map, as autovacuum would leave them.
                cursor.execute("VACUUM ANALYZE claims_claimterm")
                cursor.execute("VACUUM ANALYZE claims_claim")
        warmed = self.warm_cache() if is_pg and not cold else False
        built = time.perf_counter()
        if reused:
            self.say(f"pool: {n} claims reused from the kept database")
        else:
            self.say(
                f"pool: {n} claims inserted in {inserted - started:.1f}s, "
                f"indexed in {built - inserted:.1f}s ({workers} process(es))"
            )

        # Workers rank on an in-memory mirror of the index: loaded once (a Celery worker does
        # it at start, before forking), then kept in step. Timed apart from the analyses.
        analysis.analysis_caches_clear()
        mirror = analysis.index_mirror()
        mirror_figures = {
            "load_s": round(mirror.load_seconds, 1),
            "claims": mirror.n_docs,
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        self.say(
            f"index mirror: {mirror.n_docs} claims loaded in {mirror.load_seconds:.1f}s "
            f"(process peak {mirror_figures['rss_mb']} MB)"
        )

        targets = rng.sample(pool_ids, min(len(pool_ids), queries + backlog))
        timed = self.plant(targets[:queries], variants)
        batch = self.plant(targets[queries:], variants)

        timing.reset()
        latencies: list[float] = []
        for planted in timed:
            t0 = time.perf_counter()
            analysis.claim_analyze(claim_id=planted.claim_id)
            latencies.append((time.perf_counter() - t0) * 1000)
        # Where the timed analyses spent their time, per claim (claims.analysis.timing).
        stages = {
            name: round(seconds * 1000 / max(1, len(timed)), 2)
            for name, seconds in sorted(timing.totals().items(), key=lambda kv: -kv[1])
        }
        engine_recall = self.engine_recall(timed, k)
        self.say("stages, ms per claim: " + ", ".join(f"{n} {v}" for n, v in stages.items()))
        self.say(
            f"engine: {len(timed)} claims, p50 {percentile(latencies, 50):.1f} ms, "
            f"p95 {percentile(latencies, 95):.1f} ms, recall {engine_recall['recall']:.3f}"
        )

        batch_ids = [p.claim_id for p in batch]
        t0 = time.perf_counter()
        # In the sweep's batches, as the sweep sends a backlog to the workers.
        parts = list(chunks(batch_ids, SWEEP_BATCH))
        if workers > 1:
            _run_in_processes(analyze_claims, parts, workers)
        else:
            for part in parts:
                analyze_claims(part)
        elapsed = time.perf_counter() - t0
        left = Claim.objects.filter(pk__in=batch_ids).exclude(analysis_state=AnalysisState.DONE)
        if left.exists():
            raise CommandError("Some backlog claims were not analysed.")
        throughput = len(batch_ids) / elapsed if elapsed > 0 else 0.0
        self.say(
            f"bulk: {len(batch_ids)} claims with {workers} process(es) in {elapsed:.1f}s "
            f"= {throughput:.0f} claims/s"
        )

        result: dict[str, Any] = {
            "claims": n,
            "engine": {
                "p50_ms": round(percentile(latencies, 50), 2),
                "p95_ms": round(percentile(latencies, 95), 2),
                "claims_per_s": round(throughput, 1),
                **engine_recall,
                "queries": len(timed),
                "backlog": len(batch_ids),
                "workers": workers,
                "stages_ms": stages,
            },
            "trigram": None,
            "mirror": mirror_figures,
            "build_s": round(built - started, 1),
            "pool_reused": reused,
            "warm_cache": warmed,
        }
        if trigram:
            # The same planted claims, the first of them when the trigram search is too slow
            # to run them all; the engine's figures over that subset are reported beside it.
            subset = timed[: max(1, trigram_queries)]
            result["trigram"] = self.trigram(subset, k)
            result["trigram"]["queries"] = len(subset)
            same = latencies[: len(subset)]
            result["engine_on_trigram_queries"] = {
                "p50_ms": round(percentile(same, 50), 2),
                "p95_ms": round(percentile(same, 95), 2),
                **self.engine_recall(subset, k),
            }
            tri_p50 = result["trigram"]["p50_ms"]
            eng_p50 = result["engine"]["p50_ms"]
            result["speedup_p50"] = round(tri_p50 / eng_p50, 1) if eng_p50 else None
            self.say(
                f"trigram: p50 {tri_p50:.1f} ms, p95 {result['trigram']['p95_ms']:.1f} ms, "
                f"recall {result['trigram']['recall']:.3f}"
            )
        return result

    def warm_cache(self) -> bool:
        """Read the tables analysis touches, and their indexes, into PostgreSQL's buffers
        (``pg_prewarm``), as far as ``shared_buffers`` holds them.

        A desk's database that has been serving analyses has them in memory; one just built or
        vacuumed by this command may not, and timing it would measure the disk.
        Returns False when the extension is not available.
        """
        tables = ("claims_claimterm", "claims_claim", "claims_claimanalysis", "claims_flag")
        try:
            with connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                cursor.execute(
                    "SELECT SUM(pg_prewarm(c.oid, 'buffer')) FROM pg_class c "
                    "WHERE c.relname = ANY(%s) OR c.oid IN (SELECT indexrelid FROM pg_index "
                    "WHERE indrelid IN (SELECT oid FROM pg_class WHERE relname = ANY(%s)))",
                    [list(tables), list(tables)],
                )
                pages = cursor.fetchone()[0]
        except DatabaseError as exc:
            self.say(f"cache not warmed ({exc}); timings include disk reads")
            return False
        self.say(f"tables and indexes read into PostgreSQL's buffers ({pages} pages)")
        return True

    def reuse_pool(self, n: int) -> list[int]:
        """The pool of a kept database (empty when there is none yet), planted claims removed.

        Pool claims are inserted as analysed but never analysed (no analysis time); every
        other claim was planted by an earlier run. Those, their postings and every flag go,
        so each run plants and analyses afresh against the same pool.
        """
        is_pool = Q(analysis_state=AnalysisState.DONE, analysed_at__isnull=True)
        ids = list(Claim.objects.filter(is_pool).order_by("pk").values_list("pk", flat=True))
        if not ids:
            return []
        if len(ids) != n:
            raise CommandError(
                f"The kept database holds a pool of {len(ids)} claims, not {n}: "
                "use another --keep-db name or the same --claims."
            )
        if connection.vendor == "postgresql":
            _drop_trigram_index()  # kept by earlier versions of this command
        planted = Claim.objects.exclude(is_pool)
        Flag.objects.all().delete()
        ClaimTerm.objects.filter(claim__in=planted).delete()
        planted.delete()
        return ids

    def build_pool(self, n: int, texts: list[str], variants: Variants) -> list[int]:
        """Insert N distinct claims: the real texts first, then varied copies of them."""
        seen: set[str] = set()
        ids: list[int] = []
        batch: list[Claim] = []
        i = 0
        while len(seen) < n:
            base = texts[i % len(texts)]
            text = base if i < len(texts) else variants.copy(base)
            i += 1
            if text in seen:
                continue
            seen.add(text)
            batch.append(Claim(text=text, analysis_state=AnalysisState.DONE))
            if len(batch) >= 5000:
                ids += [c.pk for c in Claim.objects.bulk_create(batch)]
                batch = []
        if batch:
            ids += [c.pk for c in Claim.objects.bulk_create(batch)]
        return ids

    def plant(self, targets: list[int], variants: Variants) -> list[Planted]:
        """A repeat or a conflict (alternately) of each target, saved as new claims."""
        texts = dict(Claim.objects.filter(pk__in=targets).values_list("pk", "text"))
        kinds = ["repeat" if i % 2 == 0 else "conflict" for i in range(len(targets))]
        made = [
            variants.repeat(texts[t]) if kind == "repeat" else variants.conflict(texts[t])
            for t, kind in zip(targets, kinds, strict=True)
        ]
        created = Claim.objects.bulk_create(
            [
                Claim(text=text, analysis_state=AnalysisState.PENDING, status=ClaimStatus.TRIAGE)
                for text in made
            ]
        )
        return [
            Planted(claim_id=c.pk, partner_id=t, kind=kind)
            for c, t, kind in zip(created, targets, kinds, strict=True)
        ]

    def engine_recall(self, planted: list[Planted], k: int) -> dict[str, float]:
        """Partner among the engine's top k candidates, and flagged with the planted kind."""
        texts = dict(
            Claim.objects.filter(pk__in=[p.claim_id for p in planted]).values_list("pk", "text")
        )
        flags = set(
            Flag.objects.filter(method="lexical").values_list("claim_a_id", "claim_b_id", "kind")
        )
        found: list[bool] = []
        flagged: list[bool] = []
        for p in planted:
            features = engine.analyze(texts[p.claim_id])
            ranked = analysis.claim_candidates(features=features, exclude_id=p.claim_id, k=k)
            found.append(p.partner_id in {cid for cid, _ in ranked})
            pair = (min(p.claim_id, p.partner_id), max(p.claim_id, p.partner_id))
            flagged.append((*pair, p.kind) in flags)
        return _recalls(planted, found) | {"flag_recall": _share(flagged)}

    def trigram(self, planted: list[Planted], k: int) -> dict[str, float]:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            t0 = time.perf_counter()
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS bench_claim_text_trgm "
                "ON claims_claim USING gin (text gin_trgm_ops)"
            )
            cursor.execute("ANALYZE claims_claim")
        self.say(f"trigram index built in {time.perf_counter() - t0:.1f}s")
        texts = dict(
            Claim.objects.filter(pk__in=[p.claim_id for p in planted]).values_list("pk", "text")
        )
        latencies: list[float] = []
        found: list[bool] = []
        try:
            for p in planted:
                text = texts[p.claim_id]
                t0 = time.perf_counter()
                ids = list(
                    Claim.objects.filter(TrigramSimilar(F("text"), Value(text)))
                    .exclude(pk=p.claim_id)
                    .annotate(similarity=TrigramSimilarity("text", text))
                    .order_by("-similarity")
                    .values_list("pk", flat=True)[:k]
                )
                latencies.append((time.perf_counter() - t0) * 1000)
                found.append(p.partner_id in ids)
        finally:
            _drop_trigram_index()
        return {
            "p50_ms": round(percentile(latencies, 50), 2),
            "p95_ms": round(percentile(latencies, 95), 2),
            **_recalls(planted, found),
        }


def _drop_trigram_index() -> None:
    # Claimdesk has no trigram index: left on a kept pool, every claim planted or marked
    # analysed by a later run would also update it, and bulk analysis would pay for it.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS bench_claim_text_trgm")


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0


def _recalls(planted: list[Planted], found: list[bool]) -> dict[str, float]:
    by_kind = {
        kind: [f for p, f in zip(planted, found, strict=True) if p.kind == kind]
        for kind in ("repeat", "conflict")
    }
    return {
        "recall": _share(found),
        "repeat_recall": _share(by_kind["repeat"]),
        "conflict_recall": _share(by_kind["conflict"]),
    }
