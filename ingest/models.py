"""Ingest: a request to read a source (pasted text, a file or a URL), and the candidate
sentences found in its body."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ingest.attribution import attributed_to


class IngestOrigin(models.TextChoices):
    """What the source was handed in as."""

    TEXT = "text", "Pasted text"
    FILE = "file", "Uploaded file"
    HTML = "html", "HTML"
    URL = "url", "URL"


class IngestState(models.TextChoices):
    """Pending until the body is in (URLs wait for a worker); failed keeps its reason."""

    PENDING = "pending", "Waiting to be fetched"
    DONE = "done", "Ingested"
    FAILED = "failed", "Failed"


class Ingest(models.Model):
    """One request to bring a source in. A URL waits here until a worker fetches it; a failed
    fetch keeps its readable reason and may be retried. ``source`` is set once the body is in."""

    origin = models.CharField(max_length=10, choices=IngestOrigin.choices)
    url = models.URLField("URL", max_length=2000, blank=True)
    state = models.CharField(
        max_length=10, choices=IngestState.choices, default=IngestState.PENDING
    )
    error = models.TextField(blank=True, help_text="Why the last attempt failed, in words.")
    attempts = models.PositiveIntegerField(default=0)
    source = models.ForeignKey(
        "sources.Source", null=True, blank=True, on_delete=models.CASCADE, related_name="ingests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin__in=IngestOrigin.values), name="ingest_origin_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=IngestState.values), name="ingest_state_valid"
            ),
            # Done means there is a source; nothing else has one half-made.
            models.CheckConstraint(
                condition=Q(state=IngestState.DONE, source__isnull=False)
                | ~Q(state=IngestState.DONE),
                name="ingest_done_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"Ingest #{self.pk} ({self.get_state_display()})"


class CandidateStatus(models.TextChoices):
    """An editor's decision on a candidate sentence."""

    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Candidate(models.Model):
    """A sentence of a source's body: where it is, how worth checking, why, and what the desk
    already holds like it. ``repeat_of`` points at the earlier sentence of the same body that
    says the same words (a page printed twice)."""

    source = models.ForeignKey(
        "sources.Source", on_delete=models.CASCADE, related_name="candidates"
    )
    position = models.PositiveIntegerField(help_text="Order of the sentence in the body.")
    start_offset = models.PositiveIntegerField()
    end_offset = models.PositiveIntegerField()
    text = models.TextField()
    score = models.FloatField(help_text="Check-worthiness, 0..1.")
    reasons = models.JSONField(default=list, blank=True)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="repeats"
    )
    matches = models.JSONField(
        default=list, blank=True, help_text="Desk claims this sentence repeats or conflicts with."
    )
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    reject_reason = models.CharField(max_length=300, blank=True)
    appearance = models.ForeignKey(
        "claims.Appearance", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "position"], name="candidate_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(start_offset__lt=F("end_offset")), name="candidate_span_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="candidate_score_0_1"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CandidateStatus.values), name="candidate_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=CandidateStatus.REJECTED) | ~Q(reject_reason=""),
                name="candidate_rejected_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["source", "-score"])]

    def __str__(self) -> str:
        return f"{self.text[:60]} ({self.score:.2f})"

    @property
    def attributed_to(self) -> str:
        """The name the sentence credits (a guess the editor confirms before it is used)."""
        return attributed_to(self.text)
