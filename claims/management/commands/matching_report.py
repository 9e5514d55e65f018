"""How editors decided on flags, per kind and method: the data to tune matching thresholds."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from claims.analysis import thresholds
from claims.selectors import flag_decision_report


class Command(BaseCommand):
    help = (
        "Print, per flag kind and method, how many flags editors confirmed and dismissed, "
        "overall and per score bucket. The last line is the report as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=datetime.date.fromisoformat,
            help="Only flags raised on or after this date (YYYY-MM-DD).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = options["since"]
        start = None
        if since is not None:
            if since > timezone.localdate():
                raise CommandError("--since is in the future.")
            start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        rows = flag_decision_report(since=start)
        self.stdout.write(
            f"{'kind':<9} {'method':<8} {'open':>6} {'confirmed':>9} "
            f"{'dismissed':>9} {'precision':>9}"
        )
        for row in rows:
            precision = "-" if row["precision"] is None else f"{row['precision']:.2f}"
            self.stdout.write(
                f"{row['kind']:<9} {row['method']:<8} {row['open']:>6} {row['confirmed']:>9} "
                f"{row['dismissed']:>9} {precision:>9}"
            )
        if not rows:
            self.stdout.write("No flags yet.")
        report = {
            "thresholds": dataclasses.asdict(thresholds()),
            "since": since.isoformat() if since else None,
            "flags": rows,
        }
        self.stdout.write(json.dumps(report, sort_keys=True))
