"""Recompute the review queue's sort keys for every claim (after a bulk import, say)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reviews.queue_stats import queue_stats_rebuild


class Command(BaseCommand):
    help = "Recompute every claim's review-queue stats (priority, open flags, appearances)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Rebuilt queue stats for {queue_stats_rebuild()} claim(s).")
