"""Claim reviews and change-feed entries built as plain dicts from ``values()`` rows.

The list endpoints' hot path: ``ClaimReviewSerializer`` and ``ReviewChangeSerializer`` still
describe the responses in the OpenAPI schema (and the tests check that these builders give the
same output as the serializers), but running DRF's field machinery and building model
instances for every nested row of a 50-review page cost more than the SQL did. JSON-LD has a
single implementation, here: its serializer adapts a model instance to the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import reverse

from claimdesk.api.representations import claimant_brief, datetime_writer, iso_date, source_brief
from claims.models import ClaimantKind
from reviews.models import RATING_VALUES, ChangeKind, Rating, Verdict, VerdictState
from reviews.selectors import REVIEW_COLUMNS, ReviewRelations, claim_review_relations

BEST_RATING = max(RATING_VALUES.values())
WORST_RATING = min(RATING_VALUES.values())
# A pk no real review has, to split a reversed URL into the parts around the id.
_PK_PLACEHOLDER = 987654321987


def review_url_maker(request: Any, *, public: bool = True) -> Callable[[int], str]:
    """A function giving a review's address from its id: the configured public page (unless
    ``public`` is false), else the API's own URL for it. Reversing and building an absolute
    URL once per page, not per row."""
    template = settings.CLAIMREVIEW_URL_TEMPLATE
    if template and public:
        return lambda pk: str(template).replace("{id}", str(pk))
    path = reverse("api:claimreview-detail", kwargs={"pk": _PK_PLACEHOLDER})
    url = request.build_absolute_uri(path) if request is not None else path
    head, _, tail = url.rpartition(str(_PK_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


def _appeared_on(appearance: dict[str, Any]) -> dt.date | None:
    """When the claim appeared there: the appearance's own date, else the source's."""
    date: dt.date | None = appearance["appeared_on"] or appearance["source__published_on"]
    return date


def _creative_work(appearance: dict[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "headline": appearance["source__title"]}
    if appearance["source__url"]:
        work["url"] = appearance["source__url"]
    appeared_on = _appeared_on(appearance)
    if appeared_on:
        work["datePublished"] = appeared_on.isoformat()
    if appearance["source__outlet"]:
        work["publisher"] = {"@type": "Organization", "name": appearance["source__outlet"]}
    return work


def _claim_author(row: dict[str, Any], first: dict[str, Any] | None) -> dict[str, str] | None:
    """Who made the claim: its claimant; for claims nobody was named for, whoever published it
    first (the speaker, the source's author or its outlet), as Google asks for an author."""
    if row["claim__claimant_id"] is not None:
        person = row["claim__claimant__kind"] == ClaimantKind.PERSON
        return {
            "@type": "Person" if person else "Organization",
            "name": row["claim__claimant__name"],
        }
    if first is None:
        return None
    if first["speaker"]:
        return {"@type": "Person", "name": first["speaker"]}
    if first["source__author"]:
        return {"@type": "Person", "name": first["source__author"]}
    if first["source__outlet"]:
        return {"@type": "Organization", "name": first["source__outlet"]}
    return None


class ReviewBuilder:
    """Builds the reviews of one request; what is the same for every row is computed once."""

    def __init__(self, request: Any, relations: ReviewRelations) -> None:
        self.url = review_url_maker(request)
        self.relations = relations
        author: dict[str, Any] = {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME}
        if settings.CLAIMREVIEW_AUTHOR_URL:
            author["url"] = settings.CLAIMREVIEW_AUTHOR_URL
        self.author = author
        # Once per page: each Rating(...).label goes through the enum and a lazy translation.
        self.labels = {code: str(label) for code, label in Rating.choices}
        self.datetime = datetime_writer()

    @classmethod
    def for_rows(cls, request: Any, rows: list[dict[str, Any]]) -> ReviewBuilder:
        return cls(request, claim_review_relations(rows))

    def json(self, row: dict[str, Any]) -> dict[str, Any]:
        """The review as ``ClaimReviewSerializer`` describes it."""
        claim_id = row["claim_id"]
        claimant = claimant_brief(row, "claim__")
        rating = row["rating"]
        return {
            "id": row["id"],
            "url": self.url(row["id"]),
            "claim": {
                "id": claim_id,
                "text": row["claim__text"],
                "claimant": claimant,
                "claim_date": iso_date(row["claim__claim_date"]),
                "language": row["claim__language"],
                "tags": self.relations.tags.get(claim_id, []),
                "appearances": [
                    {
                        "source": source_brief(a),
                        "quote": a["quote"],
                        "appeared_on": iso_date(a["appeared_on"]),
                        "speaker": a["speaker"],
                        "stance": a["stance"],
                    }
                    for a in self.relations.appearances.get(claim_id, [])
                ],
            },
            "rating": {
                "code": rating,
                "label": self.labels[rating],
                "value": RATING_VALUES.get(rating),
            },
            "headline": row["headline"],
            "explanation": row["explanation"],
            "evidence": [
                {"source": source_brief(e), "stance": e["stance"], "note": e["note"]}
                for e in self.relations.evidence.get(row["id"], [])
            ],
            "version": row["version"],
            "published_at": self.datetime(row["published_at"]),
            "updated_at": self.datetime(row["updated_at"]),
            "corrected_at": self.datetime(row["corrected_at"]),
            "correction_note": row["correction_note"],
        }

    def jsonld(self, row: dict[str, Any]) -> dict[str, Any]:
        """schema.org ClaimReview with Google's required and recommended properties."""
        code = row["rating"]
        rating: dict[str, Any] = {"@type": "Rating", "alternateName": self.labels[code]}
        value = RATING_VALUES.get(code)
        if value is not None:
            rating.update(ratingValue=value, bestRating=BEST_RATING, worstRating=WORST_RATING)
        appearances = self.relations.appearances.get(row["claim_id"], [])
        item: dict[str, Any] = {"@type": "Claim", "text": row["claim__text"]}
        dated = [a for a in appearances if _appeared_on(a)]
        first = (
            min(dated, key=lambda a: _appeared_on(a) or dt.date.max)
            if dated
            else (appearances[0] if appearances else None)
        )
        first_date = row["claim__claim_date"] or (_appeared_on(first) if first else None)
        claim_author = _claim_author(row, first)
        if claim_author is not None:
            item["author"] = claim_author
        if first_date:
            item["datePublished"] = first_date.isoformat()
        if first is not None:
            item["appearance"] = [_creative_work(a) for a in appearances]
            item["firstAppearance"] = _creative_work(first)
        published_at: dt.datetime | None = row["published_at"]
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": self.url(row["id"]),
            "claimReviewed": row["headline"],
            "reviewBody": row["explanation"],
            "author": self.author,
            "reviewRating": rating,
            "itemReviewed": item,
            "inLanguage": row["claim__language"],
            "datePublished": published_at.date().isoformat() if published_at else None,
            "dateModified": row["updated_at"].isoformat(),
        }
        if row["corrected_at"] is not None:
            review["correction"] = {
                "@type": "CorrectionComment",
                "text": row["correction_note"],
                "datePublished": row["corrected_at"].isoformat(),
            }
        return review


def claim_reviews(request: Any, rows: list[dict[str, Any]], *, jsonld: bool) -> list[Any]:
    """A page of ``REVIEW_COLUMNS`` rows as reviews: three more queries, whatever its size."""
    builder = ReviewBuilder.for_rows(request, rows)
    build = builder.jsonld if jsonld else builder.json
    return [build(row) for row in rows]


# The feed's columns: the change itself, the verdict's state, and the review through the
# verdict (``verdict__`` + REVIEW_COLUMNS), all in the page's one query.
CHANGE_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "version",
    "created_at",
    "verdict_id",
    "verdict__state",
    "verdict__retraction_reason",
    *(f"verdict__{column}" for column in REVIEW_COLUMNS),
)


def changes(request: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of ``CHANGE_COLUMNS`` rows as feed entries (``ReviewChangeSerializer``'s shape).

    ``claim_review`` is the review as it is now, or null unless it is published; a retraction
    carries the reason.
    """
    reviews: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["verdict__state"] == VerdictState.PUBLISHED and row["verdict_id"] not in reviews:
            reviews[row["verdict_id"]] = {c: row[f"verdict__{c}"] for c in REVIEW_COLUMNS}
    builder = ReviewBuilder.for_rows(request, list(reviews.values()))
    built = {verdict_id: builder.json(review) for verdict_id, review in reviews.items()}
    return [
        {
            "id": row["id"],
            "event": row["kind"],
            "occurred_at": builder.datetime(row["created_at"]),
            "claim_review_id": row["verdict_id"],
            "version": row["version"],
            "claim_review": built.get(row["verdict_id"]),
            "retraction_reason": (
                row["verdict__retraction_reason"] if row["kind"] == ChangeKind.RETRACTED else None
            ),
        }
        for row in rows
    ]


def review_row(verdict: Verdict) -> dict[str, Any]:
    """A verdict instance as a ``REVIEW_COLUMNS`` row (for code that holds an instance)."""
    claim = verdict.claim
    claimant = claim.claimant
    return {
        "id": verdict.pk,
        "claim_id": claim.pk,
        "rating": verdict.rating,
        "headline": verdict.headline,
        "explanation": verdict.explanation,
        "version": verdict.version,
        "published_at": verdict.published_at,
        "updated_at": verdict.updated_at,
        "corrected_at": verdict.corrected_at,
        "correction_note": verdict.correction_note,
        "claim__text": claim.text,
        "claim__claim_date": claim.claim_date,
        "claim__language": claim.language,
        "claim__claimant_id": claim.claimant_id,
        "claim__claimant__name": claimant.name if claimant else None,
        "claim__claimant__kind": claimant.kind if claimant else None,
        "claim__claimant__affiliation": claimant.affiliation if claimant else None,
    }


def review_relations_of(verdict: Verdict) -> ReviewRelations:
    """A verdict instance's tags, appearances and evidence as ``claim_review_relations`` gives
    them, from what the caller prefetched."""
    claim = verdict.claim

    def source(item: Any) -> dict[str, Any]:
        src = item.source
        return {
            "source_id": src.pk,
            "source__url": src.url,
            "source__title": src.title,
            "source__outlet": src.outlet,
            "source__published_on": src.published_on,
            "source__author": src.author,
        }

    appearances = [
        {
            "claim_id": claim.pk,
            "quote": a.quote,
            "appeared_on": a.appeared_on,
            "speaker": a.speaker,
            "stance": a.stance,
            **source(a),
        }
        for a in claim.appearances.all()
    ]
    evidence = [
        {"verdict_id": verdict.pk, "stance": e.stance, "note": e.note, **source(e)}
        for e in verdict.evidence.all()
    ]
    return ReviewRelations(
        tags={claim.pk: [tag.name for tag in claim.tags.all()]},
        appearances={claim.pk: appearances},
        evidence={verdict.pk: evidence},
    )
