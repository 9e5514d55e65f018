"""Claims, the people and organisations who make them, and where they appear."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class ClaimantKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"


class ClaimStatus(models.TextChoices):
    TRIAGE = "triage", "Triage"
    READY = "ready", "Ready for review"
    IN_REVIEW = "in_review", "In review"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PUBLISHED = "published", "Published"
    NOT_CHECKABLE = "not_checkable", "Not checkable"
    MERGED = "merged", "Merged into another claim"


class Priority(models.IntegerChoices):
    URGENT = 1, "Urgent"
    HIGH = 2, "High"
    NORMAL = 3, "Normal"
    LOW = 4, "Low"


class Stance(models.TextChoices):
    ASSERTS = "asserts", "Asserts"
    REPORTS = "reports", "Reports"
    DISPUTES = "disputes", "Disputes"


class AnalysisState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class FlagKind(models.TextChoices):
    REPEAT = "repeat", "Repeat"
    CONFLICT = "conflict", "Conflict"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class Claimant(models.Model):
    """A person or organisation to whom a claim is attributed."""

    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=20, choices=ClaimantKind.choices, default=ClaimantKind.PERSON
    )
    affiliation = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "affiliation"], name="claimant_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=ClaimantKind.values), name="claimant_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="claimant_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name


class Tag(models.Model):
    """A free label editors put on claims (topic, beat, campaign)."""

    name = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Claim(models.Model):
    """A checkable assertion: the unit of work of the desk.

    A claim merged into another keeps its row (and history) and points at the canonical claim;
    its appearances move to the canonical one.
    """

    text = models.TextField(max_length=1000)
    claimant = models.ForeignKey(
        Claimant, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    claim_date = models.DateField(null=True, blank=True, help_text="When the claim was made.")
    language = models.CharField(max_length=16, default="en")
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    status = models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.TRIAGE, db_index=True
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    canonical = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_claims",
        help_text="Set when this claim was merged into another as a duplicate.",
    )
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Stable key from an import (seeds, feeds)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Analysis state lives here, not in the broker: a lost message leaves the claim pending,
    # and the periodic sweep finds it again.
    analysis_state = models.CharField(
        max_length=10, choices=AnalysisState.choices, default=AnalysisState.PENDING
    )
    analysis_requested_at = models.DateTimeField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    analysed_engine = models.CharField(max_length=20, blank=True)

    history = HistoricalRecords(
        m2m_fields=[tags],
        excluded_fields=[
            "analysis_state",
            "analysis_requested_at",
            "analysed_at",
            "analysed_engine",
        ],
    )

    class Meta:
        ordering = ["priority", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=4), name="claim_priority_range"
            ),
            models.CheckConstraint(
                condition=~Q(canonical=F("id")), name="claim_not_canonical_of_itself"
            ),
            # A merged claim always names its canonical claim, and only merged claims do.
            models.CheckConstraint(
                condition=(
                    Q(status=ClaimStatus.MERGED, canonical__isnull=False)
                    | (~Q(status=ClaimStatus.MERGED) & Q(canonical__isnull=True))
                ),
                name="claim_merged_has_canonical",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="claim_external_id_unique_when_present",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"]),
            models.Index(fields=["-created_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["analysis_state", "analysis_requested_at"]),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else f"{self.text[:77]}..."


class Appearance(models.Model):
    """One place where a claim was made or repeated: a quote in a source."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="appearances"
    )
    quote = models.TextField(help_text="The words as they appeared in the source.")
    start_offset = models.PositiveIntegerField(null=True, blank=True)
    end_offset = models.PositiveIntegerField(null=True, blank=True)
    appeared_on = models.DateField(null=True, blank=True)
    speaker = models.CharField(
        max_length=200, blank=True, help_text="Who said it there, if not the source itself."
    )
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.ASSERTS)
    # Written when the appearance comes from an ingested sentence, so the queue can read how
    # worth checking the claim looked without knowing about ingest.
    checkworthiness = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Check-worthiness of the quoted sentence (0..1), when it was scored.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appearances_added",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["appeared_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quote=""), name="appearance_quote_not_empty"),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="appearance_stance_valid"
            ),
            # Offsets come as a pair describing a non-empty span, or not at all.
            models.CheckConstraint(
                condition=(
                    Q(start_offset__isnull=True, end_offset__isnull=True)
                    | Q(
                        start_offset__isnull=False,
                        end_offset__isnull=False,
                        start_offset__lt=F("end_offset"),
                    )
                ),
                name="appearance_offsets_span",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.quote[:60]}"


class ClaimTerm(models.Model):
    """One entry of the matching engine's inverted index: a term of a claim's text.

    Kept in the database so every worker on every machine sees the same index, and a claim
    committed before a query is always a candidate.
    """

    # No index of its own: the unique (claim, term) constraint serves lookups by claim, and
    # one index less is a cheaper insert for every posting.
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="index_terms", db_index=False
    )
    term = models.CharField(max_length=64)
    # BM25 inputs stored on every posting, so the in-memory copy is loaded from this table
    # alone, without touching the claim rows: the term's frequency in the claim and the claim's
    # length (sum of its term frequencies; 0 on rows written before it was stored).
    count = models.PositiveSmallIntegerField(default=1)
    doc_len = models.PositiveSmallIntegerField(default=0)
    # For a subject term, the claim's own words that stem to it (space separated). With them
    # and ``complete``, the classifier's first checks (lexical similarity, same subject) can be
    # run on a candidate's postings before its text is analysed.
    surface = models.CharField(max_length=200, blank=True)
    # Whether the claim's postings hold all its terms and subject words (not cut at the cap).
    complete = models.BooleanField(default=False)

    class Meta:
        # No index by term: ranking runs on each worker's in-memory copy of this table
        # (``claims.analysis.mirror``), which reads it by claim. An index by term went unused
        # and made every posting written update a random page of the largest index.
        constraints = [
            models.UniqueConstraint(fields=["claim", "term"], name="claimterm_unique"),
        ]

    def __str__(self) -> str:
        return self.term


class ClaimAnalysis(models.Model):
    """The engine's analysis of a claim's text (``claims.engine.stored``), written when the
    claim is analysed or indexed.

    Comparing a new claim with its candidates reads theirs instead of analysing their texts
    again, the largest cost of an analysis before. Used only while ``text_key`` matches the
    claim's text and ``engine_version`` the running engine; otherwise the text is analysed.
    """

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, primary_key=True, related_name="stored_analysis"
    )
    # sha256 of the text analysed.
    text_key = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=20)
    data = models.TextField()

    def __str__(self) -> str:
        return f"analysis of claim {self.claim_id}"


class IndexChange(models.Model):
    """A claim whose postings were written or removed: the feed that in-process index mirrors
    (``claims.analysis.mirror``) replay to stay in step with ``ClaimTerm``.

    Written in the same transaction as the postings, so a mirror that has replayed the feed
    holds every claim committed before it read. Rows are pruned by the analysis sweep after
    ``ANALYSIS_INDEX_FEED_HOURS``; a mirror that fell further behind reloads the index.
    """

    # No foreign key: the change of a deleted claim must outlive the claim.
    claim_id = models.BigIntegerField()
    # PostgreSQL: the id of the writing transaction (pg_current_xact_id). Sequence values are
    # handed out before commit, so ids alone can arrive out of order; a transaction id below
    # a snapshot's xmin is known to be finished. Null on SQLite, where a single writer commits
    # in id order.
    txid = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["txid"], name="indexchange_txid"),
            models.Index(fields=["created_at"], name="indexchange_created"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id}"


class Flag(models.Model):
    """A possible repeat or conflict between two claims, found by analysis, for an editor.

    The pair is stored in a fixed order (lower id first) so that one pair and kind is one row
    whichever claim was analysed; re-analysis updates the row instead of adding another.
    """

    claim_a = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="flags_as_a")
    claim_b = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="flags_as_b")
    kind = models.CharField(max_length=10, choices=FlagKind.choices)
    score = models.FloatField()
    method = models.CharField(max_length=20, help_text="lexical, semantic or verdict")
    reasons = models.JSONField(default=list)
    details = models.JSONField(default=dict, blank=True)
    engine_version = models.CharField(max_length=20)
    # The texts' fingerprints when flagged: a dismissed pair is raised again only when one
    # of the texts changes.
    text_key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    # "Not sure": an open flag passed to another editor, with what the first one was unsure of.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A database default: the analysis inserts flags in raw SQL that names only its columns.
    assignment_note = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim_a", "claim_b", "kind"], name="flag_unique_pair_kind"
            ),
            models.CheckConstraint(condition=Q(claim_a__lt=F("claim_b")), name="flag_pair_ordered"),
            models.CheckConstraint(condition=Q(kind__in=FlagKind.values), name="flag_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=FlagStatus.values), name="flag_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: #{self.claim_a_id} / #{self.claim_b_id}"

    def other(self, claim_id: int) -> int:
        """The id of the pair's other claim."""
        return self.claim_b_id if claim_id == self.claim_a_id else self.claim_a_id


class ClaimEmbedding(models.Model):
    """A claim's sentence embedding for the optional semantic tier (one row per claim).

    Stored in the database, like the lexical index, so every worker on every machine
    searches the same vectors; the text hash tells whether the vector still matches the
    claim's text, and the model name keeps vectors of different models apart.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="embedding")
    model_name = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=64)
    dimensions = models.PositiveIntegerField()
    # float32, little-endian, ``dimensions`` values: compact and read straight into numpy.
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(dimensions__gt=0), name="claimembedding_dims_pos"),
        ]
        indexes = [models.Index(fields=["model_name", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.model_name} vector of claim #{self.claim_id}"


class ApiSubmission(models.Model):
    """A claim a user sent through the API: makes the claim visible to them, and with an
    ``Idempotency-Key`` lets a retried request return the same claim instead of another."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_submissions"
    )
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="api_submissions")
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Moved from the reviews app (issue 16); the table keeps its name.
        db_table = "reviews_apisubmission"
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
