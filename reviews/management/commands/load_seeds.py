"""Load the demo seeds (idempotent; a broken file is rejected whole with file and line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.seeds import SeedError, load_seeds


class Command(BaseCommand):
    help = "Load the demo claims, sources, claimants and verdicts from seeds/ (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "seeds",
            help="Folder holding sources.jsonl, claimants.jsonl, claims.jsonl and verdicts.jsonl.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stats = load_seeds(options["dir"])
        except SeedError as exc:
            raise CommandError(f"Seeds rejected, nothing was loaded:\n{exc}") from None
        if not stats.changed_anything:
            self.stdout.write("Seeds already loaded; nothing changed.")
            return
        for label, bucket in (("created", stats.created), ("updated", stats.updated)):
            if bucket:
                parts = ", ".join(f"{n} {kind}" for kind, n in sorted(bucket.items()))
                self.stdout.write(self.style.SUCCESS(f"Seeds {label}: {parts}."))
