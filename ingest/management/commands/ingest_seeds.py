"""Ingest the demo articles of seeds/ (idempotent: a body already in is found, not re-made)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.analysis.pipeline import claims_analyze
from claims.models import AnalysisState, Claim, ClaimStatus
from ingest.extract import Extracted
from ingest.models import IngestOrigin
from ingest.services import ingest_body

REQUIRED = ("key", "file", "title")


def read_index(directory: Path) -> list[dict[str, Any]]:
    """The article records of ``articles.jsonl``; a broken line names its number."""
    path = directory / "articles.jsonl"
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}:{number}: not JSON ({exc.msg})") from None
        missing = [name for name in REQUIRED if not record.get(name)]
        if missing:
            raise CommandError(f"{path}:{number}: missing {', '.join(missing)}")
        records.append(record)
    return records


class Command(BaseCommand):
    help = (
        "Ingest the demo articles listed in seeds/articles.jsonl, so their candidate sentences,"
        " repeats and matches with the seeded claims are there to try (run after load_seeds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=Path(settings.BASE_DIR) / "seeds")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"]
        # Candidates are matched against the claims index; the seeded claims are indexed by a
        # worker that may not have run yet (`make run` starts it afterwards), so index them
        # here first, or the articles would show no match with the claims they repeat.
        waiting = list(
            Claim.objects.exclude(analysis_state=AnalysisState.DONE)
            .exclude(status=ClaimStatus.MERGED)
            .values_list("pk", flat=True)
        )
        if waiting:
            claims_analyze(claim_ids=waiting)
        for record in read_index(directory):
            text = (directory / record["file"]).read_text(encoding="utf-8")
            published = record.get("published")
            extracted = Extracted(
                body=text,
                title=record["title"],
                outlet=record.get("outlet", ""),
                author=record.get("author", ""),
                published_on=dt.date.fromisoformat(published) if published else None,
            )
            # The system ingests the seeds (actor None), as load_seeds loads the claims.
            result = ingest_body(actor=None, extracted=extracted, origin=IngestOrigin.FILE)
            candidates = result.source.candidates.count()
            verb = "Ingested" if result.created else "Already in"
            self.stdout.write(
                f"{verb}: source #{result.source.pk} {record['title']!r} ({candidates} sentences)"
            )
