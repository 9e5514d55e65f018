"""Assignments, verdicts and the evidence behind them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from simple_history.models import HistoricalRecords

HEADLINE_MAX_LENGTH = 75


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    RELEASED = "released", "Released"


OPEN_ASSIGNMENT_STATES = (AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS)


class Rating(models.TextChoices):
    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    HALF_TRUE = "half_true", "Half true"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    UNPROVEN = "unproven", "Unproven"
    SATIRE = "satire", "Satire"
    OPINION = "opinion", "Opinion, not checkable"


# schema.org ClaimReview ratingValue on a 1 (worst) to 5 (best) scale. Ratings absent from the
# map are "unrated" labels: they are published with alternateName only.
RATING_VALUES: dict[str, int] = {
    Rating.FALSE: 1,
    Rating.MOSTLY_FALSE: 2,
    Rating.HALF_TRUE: 3,
    Rating.MOSTLY_TRUE: 4,
    Rating.TRUE: 5,
}


class VerdictState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class EvidenceStance(models.TextChoices):
    SUPPORTS = "supports", "Supports the claim"
    REFUTES = "refutes", "Refutes the claim"
    CONTEXT = "context", "Context"


class Assignment(models.Model):
    """A claim given to a reviewer (fact-checker) to work on, with its state and due date."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"groups__name": "Fact-checkers"},
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments_made",
    )
    state = models.CharField(
        max_length=20, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED
    )
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AssignmentState.values), name="assignment_state_valid"
            ),
            # One open assignment per claim: "take next claim" relies on it so that two
            # checkers can never hold the same claim.
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(state__in=OPEN_ASSIGNMENT_STATES),
                name="assignment_one_open_per_claim",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "state"])]

    def __str__(self) -> str:
        return f"{self.claim_id} → {self.reviewer} ({self.get_state_display()})"


class Verdict(models.Model):
    """A fact-checker's rating of a claim, approved by an editor and then published.

    Corrections to a published verdict bump ``version`` and record a correction note; every
    earlier version stays in the history table.
    """

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="verdicts")
    rating = models.CharField(max_length=20, choices=Rating.choices)
    headline = models.CharField(
        max_length=HEADLINE_MAX_LENGTH,
        help_text="A short summary of the claim reviewed (schema.org claimReviewed), "
        f"at most {HEADLINE_MAX_LENGTH} characters.",
    )
    explanation = models.TextField(help_text="Markdown.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verdicts_authored",
        help_text="Empty for imported verdicts.",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verdicts_approved",
    )
    state = models.CharField(
        max_length=20, choices=VerdictState.choices, default=VerdictState.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    correction_note = models.TextField(blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.TextField(blank=True)
    # Optimistic concurrency: every save bumps it, and an edit made from a form showing an
    # older revision is refused instead of silently overwriting someone else's work.
    revision = models.PositiveIntegerField(default=1, editable=False)
    return_comment = models.TextField(
        blank=True, help_text="The editor's latest comment when returning it to the checker."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=Rating.values), name="verdict_rating_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=VerdictState.values), name="verdict_state_valid"
            ),
            # SQLite ignores varchar lengths, so the headline limit is enforced explicitly.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("headline"), HEADLINE_MAX_LENGTH),
                name="verdict_headline_max_length",
            ),
            models.CheckConstraint(condition=~Q(headline=""), name="verdict_headline_not_empty"),
            models.CheckConstraint(condition=Q(version__gte=1), name="verdict_version_positive"),
            # Two-person rule: nobody approves their own verdict.
            models.CheckConstraint(
                condition=Q(approver__isnull=True)
                | Q(author__isnull=True)
                | ~Q(approver=F("author")),
                name="verdict_approver_not_author",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[VerdictState.PUBLISHED, VerdictState.RETRACTED])
                | Q(published_at__isnull=False),
                name="verdict_published_has_date",
            ),
            # At most one live published verdict per claim; corrections update it in place.
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(state=VerdictState.PUBLISHED),
                name="verdict_one_published_per_claim",
            ),
        ]
        indexes = [models.Index(fields=["state", "published_at"])]

    def __str__(self) -> str:
        return f"{self.get_rating_display()}: {self.headline}"

    @property
    def rating_value(self) -> int | None:
        """schema.org ratingValue (1-5), or None for unrated labels."""
        return RATING_VALUES.get(self.rating)


class Evidence(models.Model):
    """A source gathered for a claim's verdict, with whether it supports or refutes the claim.

    Checkers often collect sources before writing anything, so evidence belongs to the claim
    and joins the verdict when the draft is created (``verdict`` is empty until then).
    """

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="evidence")
    verdict = models.ForeignKey(
        Verdict, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    source = models.ForeignKey("sources.Source", on_delete=models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=10, choices=EvidenceStance.choices)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=EvidenceStance.values), name="evidence_stance_valid"
            ),
            models.UniqueConstraint(fields=["verdict", "source"], name="evidence_unique_source"),
            models.UniqueConstraint(
                fields=["claim", "source"],
                condition=Q(verdict__isnull=True),
                name="evidence_unique_source_before_verdict",
            ),
        ]
        indexes = [models.Index(fields=["claim", "verdict"])]

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.source}"


class WorthBand(models.IntegerChoices):
    """How worth checking a claim looked when it was ingested, as the queue sorts it (higher
    first). Cut points: ``WORTH_HIGH`` and ``WORTH_LOW`` in reviews/queue_stats.py."""

    LOW = 0, "Low"
    UNSCORED = 1, "Middling or not scored"
    HIGH = 2, "High"


class QueueStats(models.Model):
    """The numbers the review queue sorts a claim by, kept in one indexed row per claim.

    Ranking 100,000 claims by live counts of appearances and open flags means aggregating
    every appearance on each page view; with this row the queue reads the top of one index.
    Signals (reviews/queue_stats.py) keep it current as claims, appearances and flags are
    saved, and a periodic sweep rebuilds it to catch bulk writes that skip signals.
    """

    claim = models.OneToOneField(
        "claims.Claim", primary_key=True, on_delete=models.CASCADE, related_name="queue_stats"
    )
    priority = models.PositiveSmallIntegerField()
    open_flags = models.PositiveIntegerField(default=0)
    appearances = models.PositiveIntegerField(default=0)
    # The best check-worthiness among the claim's appearances (None: none was scored), and the
    # band the queue sorts by. A band rather than the raw score, so that within a band the
    # flags, appearances and age still decide; a claim keyed by hand sits in the middle band
    # with the scored ones of middling worth, neither pushed down nor up.
    checkworthiness = models.FloatField(null=True, blank=True)
    worth = models.PositiveSmallIntegerField(choices=WorthBand.choices, default=WorthBand.UNSCORED)
    created_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "queue stats"
        constraints = [
            models.CheckConstraint(
                condition=Q(worth__in=WorthBand.values), name="queuestats_worth_valid"
            ),
        ]
        indexes = [
            models.Index(
                F("priority"),
                F("worth").desc(),
                F("open_flags").desc(),
                F("appearances").desc(),
                F("created_at"),
                F("claim"),
                name="queuestats_rank",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.claim_id}: p{self.priority}, {self.open_flags} flags, {self.appearances}"


class ChangeKind(models.TextChoices):
    PUBLISHED = "claimreview.published", "Published"
    CORRECTED = "claimreview.corrected", "Corrected"
    RETRACTED = "claimreview.retracted", "Retracted"
