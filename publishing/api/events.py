"""Webhook event payloads, shaped per Standard Webhooks: ``{"type", "timestamp", "data"}``.

``data`` is what a receiver would otherwise fetch: the claim review exactly as the API's
claim-review detail gives it, plus the address of its schema.org JSON-LD; after a retraction,
a tombstone saying which review went and when. Payloads are built in the change's transaction
and stored on the delivery rows, so every retry sends the same bytes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from claims.models import Appearance
from publishing.api.serializers import ClaimReviewSerializer
from publishing.models import ReviewChange
from reviews.models import ChangeKind, Evidence, Verdict


def jsonld_url(verdict: Verdict) -> str:
    """Where the review is served as schema.org ClaimReview JSON-LD."""
    path = reverse("api:claimreview-detail", kwargs={"pk": verdict.pk})
    return f"{settings.SITE_URL}{path}?format=jsonld"


def _review(verdict_id: int) -> dict[str, Any]:
    # The same related rows the claim-review list and detail load, so the serializer does not
    # query once per appearance or piece of evidence.
    verdict = (
        Verdict.objects.select_related("claim__claimant")
        .prefetch_related(
            "claim__tags",
            Prefetch("claim__appearances", queryset=Appearance.objects.select_related("source")),
            Prefetch("evidence", queryset=Evidence.objects.select_related("source")),
        )
        .get(pk=verdict_id)
    )
    data = dict(ClaimReviewSerializer(verdict).data)
    data["jsonld_url"] = jsonld_url(verdict)
    return data


def event_payload(change: ReviewChange) -> dict[str, Any]:
    """The body of every delivery of ``change``."""
    data: dict[str, Any]
    if change.kind == ChangeKind.RETRACTED:
        verdict = change.verdict
        data = {
            "id": verdict.pk,
            "claim_id": verdict.claim_id,
            "version": change.version,
            "retracted_at": change.created_at.isoformat(),
            "retraction_reason": verdict.retraction_reason,
        }
    else:
        data = _review(change.verdict_id)
    return {"type": change.kind, "timestamp": change.created_at.isoformat(), "data": data}
