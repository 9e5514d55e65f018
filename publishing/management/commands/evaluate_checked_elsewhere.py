"""How often the gold review is the first "checked elsewhere" match of a submitted claim.

In a temporary database: the pool of a repeat-detection data set (``claims.jsonl``) is written
as a Data Commons feed (one made-up ClaimReview per pool claim, ``factchecks.benchfeed``) and
imported with ``import_claimreviews``; each query of the split is then submitted as a claim
through ``POST /api/v1/claims/`` and read back with ``GET``; its first ``checked_elsewhere``
match is compared with the query's gold review(s). Tasks run in-process. With ``--semantic`` the
pool's reviews are embedded after the import (as the workers' ``match_reviews`` does) and the
claims' analysis and matching use the embeddings. Prints one JSON object.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings
from rest_framework.test import APIClient

from claims.benchdb import temporary_database
from claims.engine import semantic
from claims.roles import EDITORS
from factchecks.benchfeed import review_url, write_feed
from factchecks.matching import review_indexes_clear
from factchecks.models import ExternalReview
from factchecks.semantic import review_vectors_clear, reviews_embed
from publishing.services import api_token_create


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


class Command(BaseCommand):
    help = "Share of queries whose first checked_elsewhere match is the gold review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir", required=True, help="claims.jsonl, SPLIT.queries.jsonl, SPLIT.qrels.tsv"
        )
        parser.add_argument("--split", default="dev")
        parser.add_argument("--limit", type=int, default=0, help="First N queries only.")
        parser.add_argument(
            "--semantic",
            action="store_true",
            help="Add the sentence-embedding tier (reviews embedded after the import).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["semantic"] and not semantic.available():
            raise CommandError(f"--semantic: {semantic.unavailable_reason()}")
        self.semantic = bool(options["semantic"])
        data = Path(options["data_dir"])
        split = options["split"]
        pool = _jsonl(data / "claims.jsonl")
        queries = _jsonl(data / f"{split}.queries.jsonl")
        if options["limit"]:
            queries = queries[: options["limit"]]
        gold: dict[str, set[str]] = {}
        for line in (data / f"{split}.qrels.tsv").read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 2:
                gold.setdefault(parts[0], set()).add(review_url(parts[1]))
        rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": None, "submit": None}}
        eager = current_app.conf.task_always_eager
        current_app.conf.task_always_eager = True
        try:
            with (
                temporary_database(),
                override_settings(
                    ALLOWED_HOSTS=["testserver"],
                    REST_FRAMEWORK=rest,
                    # Tasks run in this process: "on" stands for the workers' "auto".
                    MATCHING_SEMANTIC="on" if self.semantic else "off",
                ),
            ):
                review_indexes_clear()
                review_vectors_clear()
                result = self._run(pool, queries, gold)
                review_indexes_clear()
                review_vectors_clear()
        finally:
            current_app.conf.task_always_eager = eager
        self.stdout.write(json.dumps(result))

    def _run(
        self, pool: list[dict[str, Any]], queries: list[dict[str, Any]], gold: dict[str, set[str]]
    ) -> dict[str, Any]:
        with tempfile.NamedTemporaryFile("w", suffix=".json") as feed:
            write_feed(((p["id"], p["text"], p.get("title", "")) for p in pool), feed)
            feed.flush()
            out = io.StringIO()
            started = time.perf_counter()
            call_command("import_claimreviews", feed.name, "--no-match", stdout=out)
            import_seconds = time.perf_counter() - started
        imported = json.loads(out.getvalue().strip().splitlines()[-1])
        embed_seconds = 0.0
        if self.semantic:
            # What the workers' match_reviews does for an import, for the whole pool at once.
            started = time.perf_counter()
            reviews_embed(review_ids=list(ExternalReview.objects.values_list("id", flat=True)))
            embed_seconds = time.perf_counter() - started
        user = User.objects.create_user("evaluation-editor", is_staff=True)
        user.groups.add(Group.objects.get(name=EDITORS))
        _, token = api_token_create(
            actor=None, user=user, name="evaluation", scopes=("read", "submit")
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        first_is_gold = gold_anywhere = no_match = 0
        started = time.perf_counter()
        for query in queries:
            created = client.post(
                "/api/v1/claims/",
                {
                    "text": query["text"][:1000],
                    "source_url": f"https://posts.example.org/{query['id']}",
                },
                format="json",
            )
            if created.status_code not in (200, 201):
                raise RuntimeError(f"{query['id']}: {created.status_code} {created.content!r}")
            detail = client.get(f"/api/v1/claims/{created.json()['id']}/").json()
            urls = [
                m["review"]["url"] for m in detail["matches"] if m["kind"] == "checked_elsewhere"
            ]
            wanted = gold.get(query["id"], set())
            if not urls:
                no_match += 1
            elif urls[0] in wanted:
                first_is_gold += 1
            if wanted & set(urls):
                gold_anywhere += 1
        n = len(queries)
        return {
            "queries": n,
            "first_checked_elsewhere_is_gold": first_is_gold,
            "share": round(first_is_gold / n, 4) if n else 0.0,
            "gold_among_matches": round(gold_anywhere / n, 4) if n else 0.0,
            "no_match": no_match,
            "pool_imported": imported,
            "import_seconds": round(import_seconds, 1),
            "embed_seconds": round(embed_seconds, 1),
            "queries_seconds": round(time.perf_counter() - started, 1),
            "method": "semantic" if self.semantic else "lexical",
        }
