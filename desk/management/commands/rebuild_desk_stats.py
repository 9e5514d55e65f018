"""Count every figure of the statistics dashboard again, into its summary table."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from desk.models import StatsFigure
from desk.stats_summary import rebuild


class Command(BaseCommand):
    help = (
        "Count every week and month of the statistics dashboard again (after restoring a "
        "backup, or writing rows with the database triggers disabled)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rebuild()
        self.stdout.write(
            f"Counted {StatsFigure.objects.count()} dashboard figure(s) in "
            f"{time.perf_counter() - started:.1f}s."
        )
