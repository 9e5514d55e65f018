"""Fact-checks published by other outlets (ClaimReview), and the desk's claims they match.

An external review is never the desk's own verdict: it lives in its own table, is shown as
"checked elsewhere" and is compared with the desk's published verdicts, nothing more.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class NormalisedRating(models.TextChoices):
    """Every outlet's scale folded onto one, so verdicts of different outlets compare."""

    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    OTHER = "other", "Other"


class RatingLabel(models.Model):
    """How one outlet's textual rating (``alternateName``) reads on the normalised scale.

    ``publisher_site`` empty is the default for every outlet; a row for a site overrides it.
    Seeded from ``factchecks/rating_labels.json``; editors add and correct rows in the admin.
    """

    publisher_site = models.CharField(
        max_length=200, blank=True, help_text="Host name of the outlet; empty for any outlet."
    )
    label = models.CharField(max_length=200, help_text="The textual rating, lower case.")
    normalised = models.CharField(max_length=20, choices=NormalisedRating.choices)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["publisher_site", "label"]
        constraints = [
            models.UniqueConstraint(fields=["publisher_site", "label"], name="rating_label_unique"),
            models.CheckConstraint(
                condition=Q(normalised__in=NormalisedRating.values),
                name="rating_label_normalised_valid",
            ),
            models.CheckConstraint(condition=~Q(label=""), name="rating_label_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.publisher_site or '*'}: {self.label} -> {self.normalised}"


class ExternalReview(models.Model):
    """One ClaimReview published by another outlet, keyed by its normalised URL.

    ``fingerprint`` hashes the item as received (keys sorted), so importing the same item again
    writes nothing; ``terms`` holds its index terms (the claims engine's, with counts) for
    matching, computed once at import.
    """

    url = models.URLField(max_length=2000, unique=True, help_text="The review's normalised URL.")
    publisher_name = models.CharField(max_length=200, blank=True)
    publisher_site = models.CharField(max_length=200, blank=True, db_index=True)
    claim_reviewed = models.TextField()
    headline = models.TextField(blank=True)
    claimant = models.CharField(max_length=300, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    appearance_urls = models.JSONField(default=list, blank=True)
    rating_label = models.CharField(max_length=300, blank=True, help_text="alternateName")
    rating_value = models.FloatField(null=True, blank=True)
    best_rating = models.FloatField(null=True, blank=True)
    worst_rating = models.FloatField(null=True, blank=True)
    normalised_rating = models.CharField(
        max_length=20, choices=NormalisedRating.choices, default=NormalisedRating.OTHER
    )
    language = models.CharField(max_length=16, blank=True)
    date_published = models.DateField(null=True, blank=True)
    date_modified = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(help_text="The item exactly as received.")
    fingerprint = models.CharField(max_length=64)
    terms = models.JSONField(default=dict, blank=True)
    # Set by an import that created or changed the review, cleared when its matching ran: a
    # lost ``match_reviews`` message leaves it set, and beat's sweep enqueues it again once
    # ``match_requested_at`` (the last time it was enqueued) is stale.
    match_pending = models.BooleanField(default=False)
    match_requested_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # The raw item stays out of history (it would double every import's writes); the fields
    # read from it, the rating among them, are kept at every version.
    history = HistoricalRecords(
        excluded_fields=["terms", "fingerprint", "raw", "match_pending", "match_requested_at"]
    )

    class Meta:
        ordering = ["-date_published", "-id"]
        indexes = [
            models.Index(
                fields=["match_requested_at"],
                condition=Q(match_pending=True),
                name="review_match_pending",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(normalised_rating__in=NormalisedRating.values),
                name="external_review_rating_valid",
            ),
            models.CheckConstraint(condition=~Q(claim_reviewed=""), name="external_review_claim"),
        ]

    def __str__(self) -> str:
        text = self.claim_reviewed
        return f"{self.publisher_name or self.publisher_site}: {text[:70]}"


class ExternalReviewEmbedding(models.Model):
    """The sentence embedding of a review's claim for the semantic tier (one row per review).

    Computed by the workers' ``match_reviews`` (never on a web request), like a claim's
    ``claims.ClaimEmbedding``; the text hash says whether it still matches the review.
    """

    review = models.OneToOneField(
        ExternalReview, on_delete=models.CASCADE, related_name="embedding"
    )
    model_name = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=64)
    dimensions = models.PositiveIntegerField()
    # float32, little-endian, ``dimensions`` values, read straight into numpy.
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(dimensions__gt=0), name="review_embedding_dims_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} vector of review #{self.review_id}"


class ExternalMatch(models.Model):
    """A desk claim that repeats an external review: "checked elsewhere"."""

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="external_matches"
    )
    review = models.ForeignKey(ExternalReview, on_delete=models.CASCADE, related_name="matches")
    score = models.FloatField(help_text="The engine's similarity of the pair (0..1).")
    # BM25 of the review for the claim's words over every review: the order matches are shown
    # in (the similarity alone ranks a short generic review above the one the claim names).
    relevance = models.FloatField(default=0.0)
    method = models.CharField(max_length=20, default="lexical")
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "-relevance"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "review"], name="external_match_unique"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} ~ review {self.review_id} ({self.score:.2f})"


class FeedSubscription(models.Model):
    """An outlet's ClaimReview feed an editor registered: fetched on a schedule by beat
    (``publishing.tasks.fetch_feed_subscriptions``) with conditional GET, and imported."""

    url = models.URLField(max_length=2000, unique=True)
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Outlet name for every item, when the feed omits it."
    )
    active = models.BooleanField(default=True)
    every_minutes = models.PositiveIntegerField(default=60)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=500, blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(
        excluded_fields=["etag", "last_modified", "next_check_at", "last_checked_at"]
    )

    class Meta:
        ordering = ["url"]
        constraints = [
            models.CheckConstraint(condition=Q(every_minutes__gte=5), name="feed_every_5_minutes"),
        ]

    def __str__(self) -> str:
        return self.url
