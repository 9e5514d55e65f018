"""Import other outlets' ClaimReview from a file or a URL; the last line is the counts as JSON.

A URL is fetched through the webhooks' outbound guard (public addresses only, pinned), so the
command cannot be pointed at the desk's own network.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from factchecks.parsing import FORMATS
from factchecks.services import ImportRejected, ImportResult, external_reviews_import
from publishing.webhooks import UnsafeTarget, resolve_target, stream_pinned


class Command(BaseCommand):
    help = "Import ClaimReview (Data Commons feed, JSON-LD, HTML, claims:search JSON, CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="A file path, or an http(s) URL.")
        parser.add_argument("--publisher", default="", help="Outlet name for every item.")
        parser.add_argument("--format", choices=FORMATS, default=None, help="Default: detect.")
        parser.add_argument(
            "--no-match", action="store_true", help="Import only; do not enqueue matching."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        with tempfile.TemporaryFile() as stream:
            if source.startswith(("http://", "https://")):
                try:
                    fetched = stream_pinned(resolve_target(source), into=stream)
                except UnsafeTarget as exc:
                    raise CommandError(str(exc)) from None
                if fetched.status != 200:
                    raise CommandError(f"{source} answered {fetched.status}")
            else:
                path = Path(source)
                if not path.is_file():
                    raise CommandError(f"{source}: no such file")
                with path.open("rb") as handle:
                    while chunk := handle.read(1 << 20):
                        stream.write(chunk)
            try:
                result = external_reviews_import(
                    actor=None,
                    stream=stream,
                    fmt=options["format"],
                    publisher=options["publisher"],
                    match=not options["no_match"],
                )
            except ImportRejected as exc:
                self.stderr.write(f"rejected, nothing written: {exc.result.error}")
                self.stdout.write(json.dumps(exc.result.counts()))
                raise CommandError("the input was rejected") from None
        self.stdout.write(json.dumps(_counts(result)))


def _counts(result: ImportResult) -> dict[str, int]:
    return result.counts()
