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
    created_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "queue stats"
        indexes = [
            models.Index(
                F("priority"),
                F("open_flags").desc(),
                F("appearances").desc(),
                F("created_at"),
                F("claim"),
                name="queuestats_rank",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.claim_id}: p{self.priority}, {self.open_flags} flags, {self.appearances}"


class ApiScope(models.TextChoices):
    READ = "read", "Read published verdicts"
    SUBMIT = "submit", "Submit claims"


# Scopes are stored as one sorted, comma-separated value so the database can check them.
API_SCOPE_VALUES = ("read", "read,submit", "submit")


class ApiToken(models.Model):
    """A publisher's credential for the REST API.

    Only a SHA-256 digest of the token is stored: the token is high-entropy random, so a plain
    digest is enough (no salt or slow hash needed), and the database alone cannot authenticate.
    ``prefix`` is the token's first characters, kept to tell tokens apart in the admin.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the app.")
    prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.CharField(max_length=20, default=ApiScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__in=API_SCOPE_VALUES), name="apitoken_scopes_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_not_empty"),
            models.CheckConstraint(condition=~Q(token_hash=""), name="apitoken_hash_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split(","))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiSubmission(models.Model):
    """A claim a user sent through the API: makes the claim visible to them, and with an
    ``Idempotency-Key`` lets a retried request return the same claim instead of another."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_submissions"
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="api_submissions"
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="apisubmission_unique_key",
            ),
        ]
        indexes = [models.Index(fields=["user", "claim"])]

    def __str__(self) -> str:
        return f"{self.user_id} → #{self.claim_id}"


class ChangeKind(models.TextChoices):
    PUBLISHED = "claimreview.published", "Published"
    CORRECTED = "claimreview.corrected", "Corrected"
    RETRACTED = "claimreview.retracted", "Retracted"


class ReviewChange(models.Model):
    """One entry of the publishers' change feed: a verdict was published, corrected or retracted.

    The id is the feed's sequence. Rows are written by the verdict services under a lock held
    to commit (see ``reviews.services._record_change``), so they become visible in id order and
    a reader that resumes after the last id it saw never misses one.
    """

    id = models.BigAutoField(primary_key=True)
    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=30, choices=ChangeKind.choices)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="reviewchange_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} verdict {self.verdict_id} v{self.version}"


class WebhookEndpoint(models.Model):
    """A publisher's URL that receives change events, signed per Standard Webhooks.

    The signing secret must be recoverable (it signs every delivery), so it is stored encrypted
    (Fernet, keys from WEBHOOK_SECRET_KEYS; see reviews/webhook_secrets.py), never in clear. The
    publisher sees it only in the response that created the endpoint.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=2000)
    # Comma-separated event names (see ChangeKind); few endpoints, matched in Python.
    events = models.CharField(max_length=200)
    encrypted_secret = models.CharField(max_length=300, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["encrypted_secret"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(events=""), name="webhookendpoint_has_events"),
            # Every Fernet token starts with its version byte (0x80) and a 64-bit timestamp
            # whose high bytes are zero until 2106: "gAAAAA" in base64. A plain "whsec_"
            # secret can never be saved.
            models.CheckConstraint(
                condition=Q(encrypted_secret__startswith="gAAAAA"),  # noqa: S106 - a format
                name="webhookendpoint_secret_encrypted",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def event_set(self) -> frozenset[str]:
        return frozenset(self.events.split(","))


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, written in the same transaction as the
    change, then sent (and retried) by Celery. ``msg_id`` is the ``webhook-id`` header, the same
    on every attempt so receivers can drop duplicates."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    change = models.ForeignKey(ReviewChange, on_delete=models.CASCADE, related_name="deliveries")
    msg_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=30, choices=ChangeKind.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhookdelivery_status_valid"
            ),
            models.UniqueConstraint(
                fields=["endpoint", "change"], name="webhookdelivery_one_per_change"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery, kept for the admin."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error}"
