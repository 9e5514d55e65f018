"""Writes of the factchecks app: importing ClaimReview, and the rating label table."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claimdesk.audit import save_audited
from claimdesk.permissions import Action, Actor, acting_user, check
from claims import engine
from sources.normalize import normalize_url

from .bulk import reviews_create
from .models import ExternalReview, FeedSubscription, RatingLabel
from .normalise import LabelTable, ReviewFields, checked, fingerprint, rating_from_label
from .parsing import Item, MalformedInput, read_items

# Items read, validated and written together; the feed itself is never held whole.
IMPORT_BATCH = 1000
LABELS_FILE = Path(__file__).with_name("rating_labels.json")
# Fields an import compares and writes (everything but the key and the bookkeeping).
IMPORTED_FIELDS = (
    "publisher_name",
    "publisher_site",
    "claim_reviewed",
    "headline",
    "claimant",
    "claim_date",
    "appearance_urls",
    "rating_label",
    "rating_value",
    "best_rating",
    "worst_rating",
    "normalised_rating",
    "language",
    "date_published",
    "date_modified",
    "raw",
)


@dataclass
class ImportResult:
    """What one import did, as the command prints it."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error: str = ""

    def counts(self) -> dict[str, int]:
        data = asdict(self)
        data.pop("error")
        return data


class ImportRejected(Exception):  # noqa: N818 - reads as the condition it reports
    """The input was rejected whole; ``result.error`` says where and why, nothing was written."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(result.error)
        self.result = result


def label_table() -> LabelTable:
    """The rating label table as the normaliser reads it."""
    return {
        (site, label): normalised
        for site, label, normalised in RatingLabel.objects.values_list(
            "publisher_site", "label", "normalised"
        )
    }


def rating_labels_load(*, actor: Actor = None, path: Path = LABELS_FILE) -> int:
    """Add the committed label rows that are missing; editors' own rows and edits are kept."""
    check(actor, Action.RATING_LABEL_MANAGE)
    rows = json.loads(path.read_text())["labels"]
    existing = set(RatingLabel.objects.values_list("publisher_site", "label"))
    added = 0
    for row in rows:
        key = (row["site"], " ".join(row["label"].lower().split()))
        if key in existing:
            continue
        label = RatingLabel(publisher_site=key[0], label=key[1], normalised=row["normalised"])
        save_audited(label, actor=actor, reason="Loaded from the committed label table")
        existing.add(key)
        added += 1
    return added


def _index_terms(values: dict[str, Any]) -> dict[str, int]:
    # The review's headline often names the claim in other words; both are indexed.
    text = values["claim_reviewed"]
    if values["headline"] and values["headline"] != text:
        text = f"{text}\n{values['headline']}"
    return engine.index_term_counts_of(text)


def _batches(items: Iterator[tuple[str, Item]], size: int) -> Iterator[list[tuple[str, Item]]]:
    batch: list[tuple[str, Item]] = []
    for entry in items:
        batch.append(entry)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_batch(
    fields: dict[str, ReviewFields],
    *,
    actor: Actor,
    result: ImportResult,
    touched: list[int],
    match: bool,
) -> None:
    existing = {
        review.url: review for review in ExternalReview.objects.filter(url__in=list(fields))
    }
    requested = timezone.now() if match else None
    new: list[dict[str, Any]] = []
    for url, item in fields.items():
        review = existing.get(url)
        if review is None:
            new.append(
                {
                    "url": url,
                    "fingerprint": item.fingerprint,
                    "terms": _index_terms(item.values),
                    "match_pending": match,
                    "match_requested_at": requested,
                    **item.values,
                }
            )
            continue
        if review.fingerprint == item.fingerprint:
            result.unchanged += 1
            continue
        for name in IMPORTED_FIELDS:
            setattr(review, name, item.values[name])
        review.fingerprint = item.fingerprint
        review.terms = _index_terms(item.values)
        review.match_pending = match
        review.match_requested_at = requested
        save_audited(review, actor=actor, reason="Re-imported with changes", validate=False)
        result.updated += 1
        touched.append(review.pk)
    created = reviews_create(new, actor=actor, reason="Imported", batch_size=IMPORT_BATCH)
    result.created += len(created)
    touched.extend(created)


def external_reviews_import(
    *,
    actor: Actor,
    stream: IO[bytes],
    fmt: str | None = None,
    publisher: str = "",
    match: bool = True,
) -> ImportResult:
    """Import every ClaimReview of a seekable input in one transaction, batch by batch.

    An item already stored with the same fingerprint is left alone (no write); a changed one
    is updated with a history row. Any malformed item rejects the input whole: nothing is
    written and ``ImportRejected`` says where (``dataFeedElement[17].item[0]: ...``). Matching
    of the created and updated reviews is enqueued after commit, in batches; they stay
    ``match_pending`` until it has run, so beat's sweep redoes a lost batch.
    """
    check(actor, Action.EXTERNAL_REVIEW_IMPORT)
    labels = label_table()
    result = ImportResult()
    touched: list[int] = []
    seen = 0
    try:
        with transaction.atomic():
            for batch in _batches(read_items(stream, fmt), IMPORT_BATCH):
                fields: dict[str, ReviewFields] = {}
                for where, item in batch:
                    seen += 1
                    key = fingerprint({"item": item, "publisher": publisher}) if publisher else ""
                    parsed = checked(
                        where, item, labels=labels, publisher=publisher, item_fingerprint=key
                    )
                    # The same review twice in one input: the later item wins.
                    if parsed.url in fields:
                        result.unchanged += 1
                    fields[parsed.url] = parsed
                _write_batch(fields, actor=actor, result=result, touched=touched, match=match)
    except MalformedInput as exc:
        raise ImportRejected(ImportResult(rejected=seen or 1, error=str(exc))) from None
    if match and touched:
        from factchecks.tasks import enqueue_review_matching

        ids = sorted(touched)
        transaction.on_commit(lambda: enqueue_review_matching(ids))
    return result


def rating_label_save(*, actor: Actor, label: RatingLabel) -> RatingLabel:
    """Add or correct one row of the label table (lower-cased, spaces folded), and
    re-normalise the stored reviews rated with that label (``reviews_renormalise``)."""
    check(actor, Action.RATING_LABEL_MANAGE, label)
    label.label = " ".join(label.label.lower().split())
    label.publisher_site = label.publisher_site.strip().lower().removeprefix("www.")
    reason = "Label changed" if label.pk else "Label added"
    with transaction.atomic():
        save_audited(label, actor=actor, reason=reason)
        reviews_renormalise(actor=actor, label=label.label)
    return label


def reviews_renormalise(*, actor: Actor, label: str) -> int:
    """Normalise again, from the label table as it is now, every stored review rated with
    ``label`` in words only (a numeric rating with its scale is normalised from the number);
    a changed rating gets a history row. How many reviews changed."""
    table = label_table()
    worded = ExternalReview.objects.filter(rating_label__iexact=label).filter(
        Q(rating_value__isnull=True) | Q(best_rating__isnull=True) | Q(worst_rating__isnull=True)
    )
    now = timezone.now()
    changed: list[ExternalReview] = []
    # Whole rows: the history rows are copied from them.
    for review in worded.iterator(chunk_size=IMPORT_BATCH):
        rating = rating_from_label(review.rating_label, review.publisher_site, table)
        if rating != review.normalised_rating:
            review.normalised_rating = rating
            # Set by hand: a bulk update skips auto_now, and API clients poll updated_since.
            review.updated_at = now
            changed.append(review)
    if changed:
        bulk_update_with_history(
            changed,
            ExternalReview,
            ["normalised_rating", "updated_at"],
            batch_size=IMPORT_BATCH,
            default_user=acting_user(actor),
            default_change_reason=f"Label table changed: {label}"[:100],
        )
    return len(changed)


def feed_subscription_create(
    *, actor: Actor, url: str, publisher: str = "", every_minutes: int = 60
) -> FeedSubscription:
    """Register an outlet's feed; the address itself is checked by the fetch (outbound guard)."""
    check(actor, Action.EXTERNAL_REVIEW_IMPORT)
    try:
        normalised = normalize_url(url)
    except ValueError as exc:
        raise ValidationError({"url": str(exc)}) from None
    subscription = FeedSubscription(
        url=normalised,
        publisher=publisher.strip(),
        every_minutes=every_minutes,
        next_check_at=timezone.now(),
        created_by=acting_user(actor),
    )
    save_audited(subscription, actor=actor, reason="Feed subscribed")
    return subscription


def feed_subscriptions_mark_due(*, actor: Actor, subscription_ids: list[int]) -> int:
    """Make subscriptions due now (an editor's "Fetch now"): beat's sweep fetches them even
    when the message asking for it at once is never delivered. How many were marked."""
    check(actor, Action.EXTERNAL_REVIEW_IMPORT)
    return FeedSubscription.objects.filter(pk__in=subscription_ids).update(
        next_check_at=timezone.now()
    )


def feed_subscription_record(
    *,
    subscription: FeedSubscription,
    outcome: str,
    counts: dict[str, int] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Note a fetch's outcome and when the feed is due again (validators kept for the next
    conditional GET; a failed fetch keeps the old ones)."""
    now = timezone.now()
    subscription.last_checked_at = now
    subscription.next_check_at = now + dt.timedelta(minutes=subscription.every_minutes)
    subscription.last_outcome = outcome[:500]
    fields = ["last_checked_at", "next_check_at", "last_outcome"]
    if counts is not None:
        subscription.last_counts = counts
        fields.append("last_counts")
    if etag is not None:
        subscription.etag = etag[:500]
        subscription.last_modified = (last_modified or "")[:100]
        fields += ["etag", "last_modified"]
    FeedSubscription.objects.filter(pk=subscription.pk).update(
        **{name: getattr(subscription, name) for name in fields}
    )


def feed_subscription_update(
    *,
    actor: Actor,
    subscription: FeedSubscription,
    publisher: str,
    active: bool,
    every_minutes: int,
) -> None:
    """Change what an editor may change on a subscription (its address is its identity)."""
    check(actor, Action.EXTERNAL_REVIEW_IMPORT)
    subscription.publisher = publisher.strip()
    subscription.active = active
    subscription.every_minutes = every_minutes
    save_audited(
        subscription,
        actor=actor,
        reason="Feed subscription changed",
        update_fields=["publisher", "active", "every_minutes"],
    )
