"""Sources: where claims appear."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Article"
    REPORT = "report", "Report"
    DATASET = "dataset", "Dataset"
    SOCIAL_POST = "social_post", "Social media post"
    STATEMENT = "statement", "Statement"
    TRANSCRIPT = "transcript", "Transcript"


class Source(models.Model):
    """A published document (article, report, post...) in which claims appear or evidence lives.

    The URL is stored normalised and is unique when present; sources without a URL (print,
    broadcast transcripts) are told apart by title and outlet.
    """

    url = models.URLField("URL", max_length=2000, blank=True, default="")
    title = models.CharField(max_length=500)
    outlet = models.CharField("outlet / publisher", max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField("published", null=True, blank=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.ARTICLE)
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 tag, e.g. en, zh")
    body = models.TextField("body text", blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Stable key from an import (seeds, feeds)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="source_url_unique_when_present",
                violation_error_message="A source with this URL already exists.",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="source_external_id_unique_when_present",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="source_title_not_empty"),
        ]
        indexes = [models.Index(fields=["outlet"]), models.Index(fields=["content_hash"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.outlet})" if self.outlet else self.title
