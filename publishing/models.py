"""What publishers use: API tokens, the change feed, webhook endpoints and their deliveries.

These models were in the reviews app until issue 16; their tables keep the ``reviews_`` names
(``db_table``) so the move touched no row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from reviews.models import ChangeKind


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

    history = HistoricalRecords(
        excluded_fields=["last_used_at"], table_name="reviews_historicalapitoken"
    )

    class Meta:
        db_table = "reviews_apitoken"
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


class ReviewChange(models.Model):
    """One entry of the publishers' change feed: a verdict was published, corrected or retracted.

    The id is the feed's sequence. Rows are written by the verdict services under a lock held
    to commit (see ``publishing.services.review_change_record``), so they become visible in id order and
    a reader that resumes after the last id it saw never misses one.
    """

    id = models.BigAutoField(primary_key=True)
    verdict = models.ForeignKey("reviews.Verdict", on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=30, choices=ChangeKind.choices)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reviews_reviewchange"
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
    (Fernet, keys from WEBHOOK_SECRET_KEYS; see publishing/webhook_secrets.py), never in clear. The
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

    history = HistoricalRecords(
        excluded_fields=["encrypted_secret"], table_name="reviews_historicalwebhookendpoint"
    )

    class Meta:
        db_table = "reviews_webhookendpoint"
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
        db_table = "reviews_webhookdelivery"
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
        db_table = "reviews_webhookattempt"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error}"
