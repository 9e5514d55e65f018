"""The claims list built as plain dicts from ``values()`` rows (``ClaimSerializer``'s shape).

As for claim reviews (publishing.api.representations): the serializer describes the response in
the schema and the tests check both give the same output; this path skips building model
instances, per-row related managers and DRF fields for every nested row of a page.
"""

from __future__ import annotations

from typing import Any

from claimdesk.api.representations import claimant_brief, datetime_writer, iso_date, source_brief
from claims.selectors import claim_appearance_rows, claim_tag_names
from publishing.api.representations import review_url_maker
from reviews.models import RATING_VALUES, Rating, Verdict, VerdictState

CLAIM_COLUMNS: tuple[str, ...] = (
    "id",
    "text",
    "claimant_id",
    "claimant__name",
    "claimant__kind",
    "claimant__affiliation",
    "claim_date",
    "language",
    "status",
    "analysis_state",
    "created_at",
    "updated_at",
)


def _published_verdicts(claim_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each claim's published verdict: the most recently updated one, as the serializer's
    ``published_verdicts`` prefetch (Verdict's default order) picks it. One query."""
    latest: dict[int, dict[str, Any]] = {}
    if not claim_ids:
        return latest
    rows = (
        Verdict.objects.filter(claim_id__in=claim_ids, state=VerdictState.PUBLISHED)
        .order_by("-updated_at")
        .values("id", "claim_id", "rating", "headline")
    )
    for row in rows:
        latest.setdefault(row["claim_id"], dict(row))
    return latest


def claims(request: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of ``CLAIM_COLUMNS`` rows as claims: three more queries, whatever its size."""
    claim_ids = {row["id"] for row in rows}
    tags = claim_tag_names(claim_ids)
    appearances = claim_appearance_rows(claim_ids)
    verdicts = _published_verdicts(claim_ids)
    # The brief verdict links to the API's own review, never to a configured public page.
    review_url = review_url_maker(request, public=False)
    labels = {code: str(label) for code, label in Rating.choices}
    write_datetime = datetime_writer()
    result = []
    for row in rows:
        claim_id = row["id"]
        claimant = claimant_brief(row)
        verdict = verdicts.get(claim_id)
        brief = None
        if verdict is not None:
            brief = {
                "id": verdict["id"],
                "rating": verdict["rating"],
                "rating_label": labels[verdict["rating"]],
                "rating_value": RATING_VALUES.get(verdict["rating"]),
                "headline": verdict["headline"],
                "claim_review": review_url(verdict["id"]),
            }
        result.append(
            {
                "id": claim_id,
                "text": row["text"],
                "claimant": claimant,
                "claim_date": iso_date(row["claim_date"]),
                "language": row["language"],
                "tags": tags.get(claim_id, []),
                "status": row["status"],
                "analysis_state": row["analysis_state"],
                "appearances": [
                    {
                        "source": source_brief(a),
                        "quote": a["quote"],
                        "appeared_on": iso_date(a["appeared_on"]),
                        "speaker": a["speaker"],
                        "stance": a["stance"],
                    }
                    for a in appearances.get(claim_id, [])
                ],
                "verdict": brief,
                "created_at": write_datetime(row["created_at"]),
                "updated_at": write_datetime(row["updated_at"]),
            }
        )
    return result
