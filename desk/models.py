"""The dashboard's summary: weekly and monthly counts kept beside the data they count.

``desk.stats_summary`` fills ``StatsFigure`` from the claims, flags and verdicts, and reads
the dashboard from it, so a page costs the same whatever the number of claims. On PostgreSQL,
triggers on the counted tables (migration 0001) write a ``StatsChange`` row in the writing
transaction, whatever wrote (a service, the analysis's raw SQL, a bulk update); the next
refresh counts those weeks again and deletes the rows it saw.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class StatsMetric(models.TextChoices):
    # Weekly, by the local Monday of the row's date.
    CLAIMS_BY_SOURCE_KIND = "claims_source_kind", "Claims by kind of source"
    CLAIMS_BY_TAG = "claims_tag", "Claims by tag (key: tag id)"
    CLAIMS_BY_STATUS = "claims_status", "Claims by creation week and current status"
    BACKLOG_CHANGE = "backlog_change", "Net change of the backlog in the week"
    FLAGS = "flags", "Flags by kind|method|score bucket|status"
    RATINGS = "ratings", "Published verdicts by rating"
    TAKEN = "taken", "Assignments by reviewer id"
    SUBMITTED = "submitted", "Verdicts submitted by author id"
    RETURNED = "returned", "Verdicts returned by author id"
    PUBLISHED = "published", "Verdicts published by author id"
    # Monthly, by the first day of the local month.
    TIME_TO_VERDICT = "time_to_verdict", "Median and 90th percentile hours (key), verdicts (n)"
    CORRECTIONS = "corrections", "Corrections and retractions"


class StatsFigure(models.Model):
    """One number of the dashboard's summary: a metric's count for one week or month and key.

    Rows are derived data: ``python manage.py rebuild_desk_stats`` counts them all again.
    """

    metric = models.CharField(max_length=20, choices=StatsMetric.choices)
    # The local Monday of the week, or the first day of the month for monthly metrics.
    period = models.DateField()
    key = models.CharField(max_length=100, blank=True)
    n = models.BigIntegerField(default=0)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "period", "key"], name="statsfigure_unique"),
            models.CheckConstraint(
                condition=Q(metric__in=StatsMetric.values), name="statsfigure_metric_valid"
            ),
        ]
        indexes = [models.Index(fields=["period"], name="statsfigure_period")]

    def __str__(self) -> str:
        return f"{self.metric} {self.period} {self.key}: {self.n}"


class StatsChange(models.Model):
    """A moment whose week and month must be counted again for the figures drawn from
    ``source`` (``at`` null: every week and month).

    Written by database triggers in the transaction that changed the counted rows, so a
    refresh that sees a change also sees the rows it describes.
    """

    at = models.DateTimeField(null=True, blank=True)
    # The table written: which figures to count again ("" for all of them).
    source = models.CharField(max_length=60, blank=True, default="")

    def __str__(self) -> str:
        return f"change of {self.source or 'everything'} at {self.at or 'any time'}"
