"""Writes to claims, claimants and appearances.

Each service is keyword-only, checks permission through ``claimdesk.permissions``, validates
(including database constraints) and records a history entry with the actor and a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from claimdesk.audit import changed_fields, save_audited
from claimdesk.permissions import Action, Actor, acting_user, check, is_editor
from claims.analysis import claim_request_analysis, claim_unindex
from claims.models import (
    ApiSubmission,
    Appearance,
    Claim,
    Claimant,
    ClaimantKind,
    ClaimStatus,
    Flag,
    FlagKind,
    FlagStatus,
    Priority,
    Stance,
    Tag,
)
from sources.models import Source
from sources.normalize import normalize_url

# Workflow moves an editor may make by hand. Verdict services drive the review states
# (in review, awaiting approval, published) through the same function.
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.TRIAGE: frozenset(
        {ClaimStatus.READY, ClaimStatus.NOT_CHECKABLE, ClaimStatus.IN_REVIEW}
    ),
    ClaimStatus.READY: frozenset(
        {ClaimStatus.TRIAGE, ClaimStatus.IN_REVIEW, ClaimStatus.NOT_CHECKABLE}
    ),
    ClaimStatus.IN_REVIEW: frozenset(
        {ClaimStatus.READY, ClaimStatus.TRIAGE, ClaimStatus.AWAITING_APPROVAL}
    ),
    ClaimStatus.AWAITING_APPROVAL: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED}),
    ClaimStatus.PUBLISHED: frozenset({ClaimStatus.IN_REVIEW}),
    ClaimStatus.NOT_CHECKABLE: frozenset({ClaimStatus.TRIAGE, ClaimStatus.READY}),
    # Merging is final here; un-merging is an explicit service of its own.
    ClaimStatus.MERGED: frozenset(),
}


def _tags_from_names(names: Iterable[str]) -> list[Tag]:
    tags: list[Tag] = []
    for name in names:
        slug = slugify(name)
        if not slug:
            raise ValidationError({"tags": f"{name!r} is not a usable tag."})
        tag, _ = Tag.objects.get_or_create(name=slug)
        tags.append(tag)
    return tags


@transaction.atomic
def claimant_create(
    *,
    actor: Actor,
    name: str,
    kind: str = ClaimantKind.PERSON,
    affiliation: str = "",
    description: str = "",
) -> Claimant:
    check(actor, Action.CLAIMANT_CREATE)
    claimant = Claimant(
        name=name.strip(), kind=kind, affiliation=affiliation.strip(), description=description
    )
    save_audited(claimant, actor=actor, reason="Claimant created")
    return claimant


@transaction.atomic
def claimant_update(*, actor: Actor, claimant: Claimant, **fields: Any) -> list[str]:
    check(actor, Action.CLAIMANT_UPDATE, claimant)
    unknown = set(fields) - {"name", "kind", "affiliation", "description"}
    if unknown:
        raise TypeError(f"claimant_update() cannot change {sorted(unknown)}")
    changed = changed_fields(claimant, fields)
    if changed:
        save_audited(
            claimant, actor=actor, reason=f"Changed {', '.join(changed)}", update_fields=changed
        )
    return changed


@transaction.atomic
def claim_create(
    *,
    actor: Actor,
    text: str,
    claimant: Claimant | None = None,
    claim_date: dt.date | None = None,
    language: str = "en",
    tags: Iterable[str] = (),
    priority: int = Priority.NORMAL,
    status: str = ClaimStatus.TRIAGE,
    external_id: str = "",
) -> Claim:
    check(actor, Action.CLAIM_CREATE)
    if status not in (ClaimStatus.TRIAGE, ClaimStatus.READY):
        raise ValidationError({"status": "A new claim starts in triage or ready for review."})
    claim = Claim(
        text=" ".join(text.split()),
        claimant=claimant,
        claim_date=claim_date,
        language=language,
        priority=priority,
        status=status,
        external_id=external_id,
        created_by=acting_user(actor),
    )
    save_audited(claim, actor=actor, reason="Claim created")
    tag_objects = _tags_from_names(tags)
    if tag_objects:
        claim.tags.set(tag_objects)
    claim_request_analysis(claim=claim)
    return claim


@transaction.atomic
def claim_update(
    *, actor: Actor, claim: Claim, tags: Iterable[str] | None = None, **fields: Any
) -> list[str]:
    """Change text, claimant, date, language, priority or tags; returns what changed."""
    check(actor, Action.CLAIM_UPDATE, claim)
    allowed = {"text", "claimant", "claim_date", "language", "priority"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"claim_update() cannot change {sorted(unknown)}")
    if "text" in fields:
        fields["text"] = " ".join(str(fields["text"]).split())
    changed = changed_fields(claim, fields)
    wanted_tags: set[int] | None = None
    if tags is not None:
        wanted_tags = {t.pk for t in _tags_from_names(tags)}
        if wanted_tags != set(claim.tags.values_list("pk", flat=True)):
            changed.append("tags")
    if not changed:
        return changed
    if "text" in changed:
        # Same transaction as the text change: pending is committed with it, and the task is
        # only sent once it is.
        claim_request_analysis(claim=claim)
    reason = f"Changed {', '.join(changed)}"
    if "tags" not in changed:
        save_audited(claim, actor=actor, reason=reason, update_fields=changed)
        return changed
    # Changing tags writes a history row of its own (from the m2m signal) that snapshots the
    # in-memory fields too; saving the row without history first keeps it to one entry.
    claim.full_clean()
    claim.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        claim.save()
    finally:
        del claim.skip_history_when_saving  # type: ignore[attr-defined]
    claim._history_user = acting_user(actor)  # type: ignore[attr-defined]
    claim._change_reason = reason  # type: ignore[attr-defined]
    claim.tags.set(wanted_tags or [])
    return changed


@transaction.atomic
def claim_set_status(
    *, actor: Actor, claim: Claim, status: str, reason: str = "", by_review: bool = False
) -> bool:
    """Move a claim along its workflow; refuses moves the workflow does not allow.

    ``by_review`` is for the review services (assign, submit, publish...), which have checked
    their own permission and whose step decides the claim's status whatever it was before;
    a merged claim still never moves. Returns False when the claim already had that status.
    """
    if not by_review:
        check(actor, Action.CLAIM_SET_STATUS, claim)
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status == status:
        return False
    allowed = CLAIM_TRANSITIONS.get(locked.status, frozenset())
    if locked.status == ClaimStatus.MERGED or (not by_review and status not in allowed):
        raise ValidationError(
            {
                "status": f"A claim cannot go from “{locked.get_status_display()}” to "
                f"“{ClaimStatus(status).label}”."
            }
        )
    locked.status = status
    save_audited(
        locked,
        actor=actor,
        reason=reason or f"Status set to {ClaimStatus(status).label}",
        update_fields=["status"],
    )
    claim.status = status
    return True


@transaction.atomic
def appearance_add(
    *,
    actor: Actor,
    claim: Claim,
    source: Source,
    quote: str,
    appeared_on: dt.date | None = None,
    speaker: str = "",
    stance: str = Stance.ASSERTS,
    start_offset: int | None = None,
    end_offset: int | None = None,
    checkworthiness: float | None = None,
) -> Appearance:
    check(actor, Action.APPEARANCE_ADD, claim)
    if start_offset is None and source.body:
        # Locate the quote in the stored body so readers can jump to it.
        found = source.body.find(quote.strip())
        if found >= 0:
            start_offset, end_offset = found, found + len(quote.strip())
    appearance = Appearance(
        claim=claim,
        source=source,
        quote=quote.strip(),
        appeared_on=appeared_on if appeared_on is not None else source.published_on,
        speaker=speaker.strip(),
        stance=stance,
        start_offset=start_offset,
        end_offset=end_offset,
        checkworthiness=checkworthiness,
        created_by=acting_user(actor),
    )
    save_audited(appearance, actor=actor, reason="Appearance added")
    return appearance


@transaction.atomic
def appearance_update(*, actor: Actor, appearance: Appearance, **fields: Any) -> list[str]:
    check(actor, Action.APPEARANCE_CHANGE, appearance)
    allowed = {"source", "quote", "appeared_on", "speaker", "stance", "start_offset", "end_offset"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"appearance_update() cannot change {sorted(unknown)}")
    changed = changed_fields(appearance, fields)
    if changed:
        save_audited(
            appearance, actor=actor, reason=f"Changed {', '.join(changed)}", update_fields=changed
        )
    return changed


@transaction.atomic
def appearance_delete(*, actor: Actor, appearance: Appearance) -> None:
    check(actor, Action.APPEARANCE_CHANGE, appearance)
    appearance._history_user = acting_user(actor)  # type: ignore[attr-defined]
    appearance._change_reason = "Appearance removed"  # type: ignore[attr-defined]
    appearance.delete()


@transaction.atomic
def claim_merge(*, actor: Actor, duplicate: Claim, canonical: Claim) -> Claim:
    """Merge a duplicate into its canonical claim: appearances move, history is kept, and the
    duplicate stays as a pointer to the canonical claim."""
    check(actor, Action.CLAIM_MERGE, duplicate)
    duplicate, canonical = (
        Claim.objects.select_for_update().get(pk=duplicate.pk),
        Claim.objects.select_for_update().get(pk=canonical.pk),
    )
    if duplicate.pk == canonical.pk:
        raise ValidationError({"canonical": "A claim cannot be merged into itself."})
    if canonical.status == ClaimStatus.MERGED:
        raise ValidationError({"canonical": "Merge into the claim this one was merged into."})
    if duplicate.status == ClaimStatus.MERGED:
        raise ValidationError({"claim": "This claim is merged already."})
    reason = f"Merged claim #{duplicate.pk} into #{canonical.pk}"
    for appearance in duplicate.appearances.all():
        appearance.claim = canonical
        save_audited(appearance, actor=actor, reason=reason, update_fields=["claim"])
    duplicate.status = ClaimStatus.MERGED
    duplicate.canonical = canonical
    save_audited(duplicate, actor=actor, reason=reason, update_fields=["status", "canonical"])
    # A merged claim is no longer a candidate for anything: dropping its postings here keeps
    # every ranking query from having to check claim status.
    claim_unindex(claim_id=duplicate.pk)
    return duplicate


@transaction.atomic
def flag_dismiss(*, actor: Actor, flag: Flag, reason: str) -> Flag:
    """An editor says the flag is wrong; the pair is not raised again unless a text changes."""
    check(actor, Action.FLAG_RESOLVE, flag)
    if not reason.strip():
        raise ValidationError({"resolution_note": "Say why the flag is wrong."})
    return _resolve(actor, flag, FlagStatus.DISMISSED, reason.strip())


@transaction.atomic
def flag_confirm(*, actor: Actor, flag: Flag, note: str = "") -> Flag:
    """An editor confirms the flag; a confirmed repeat merges the newer claim into the older."""
    check(actor, Action.FLAG_RESOLVE, flag)
    flag = _resolve(actor, flag, FlagStatus.CONFIRMED, note.strip())
    if flag.kind == FlagKind.REPEAT:
        older, newer = flag.claim_a, flag.claim_b  # claim_a has the lower id: the first seen
        if older.status == ClaimStatus.MERGED and older.canonical_id is not None:
            older = older.canonical  # type: ignore[assignment]
        if newer.status != ClaimStatus.MERGED and older.pk != newer.pk:
            claim_merge(actor=actor, duplicate=newer, canonical=older)
    return flag


@transaction.atomic
def flag_assign(*, actor: Actor, flag: Flag, assignee: User, note: str) -> Flag:
    """An editor is not sure: the flag stays open and goes to another editor, with a note."""
    check(actor, Action.FLAG_RESOLVE, flag)
    errors: dict[str, str] = {}
    if not is_editor(assignee):
        errors["assigned_to"] = "Pass the flag to an editor."
    elif (user := acting_user(actor)) is not None and user.pk == assignee.pk:
        errors["assigned_to"] = "Choose another editor than yourself."
    if not note.strip():
        errors["assignment_note"] = "Say what you are unsure about."
    if errors:
        raise ValidationError(errors)
    locked = _open_flag(flag)
    locked.assigned_to = assignee
    locked.assignment_note = note.strip()
    save_audited(
        locked,
        actor=actor,
        reason=f"Not sure; passed to {assignee.get_username()}: {note.strip()}",
        update_fields=["assigned_to", "assignment_note"],
    )
    return locked


def _open_flag(flag: Flag) -> Flag:
    locked = Flag.objects.select_for_update().select_related("claim_a", "claim_b").get(pk=flag.pk)
    if locked.status != FlagStatus.OPEN:
        raise ValidationError(
            {"status": f"This flag was {locked.get_status_display().lower()} already."}
        )
    return locked


def _resolve(actor: Actor, flag: Flag, status: str, note: str) -> Flag:
    locked = _open_flag(flag)
    locked.status = status
    locked.resolved_by = acting_user(actor)
    locked.resolved_at = timezone.now()
    locked.resolution_note = note
    save_audited(
        locked,
        actor=actor,
        reason=f"{FlagStatus(status).label}: {note}" if note else FlagStatus(status).label,
        update_fields=["status", "resolved_by", "resolved_at", "resolution_note"],
    )
    return locked


@transaction.atomic
def claim_submit(
    *,
    actor: Actor,
    text: str,
    source_url: str,
    claimant_name: str = "",
    language: str = "en",
    idempotency_key: str = "",
) -> tuple[Claim, bool]:
    """A claim sent by a publisher (through the API) for the desk to triage.

    Returns the claim and whether it is new. Sending the same text with the same source URL
    again, or repeating a request with the same idempotency key, returns the first claim: clients
    retry on timeouts, and the desk should not triage one report twice.
    """
    from sources.services import source_get_or_create

    check(actor, Action.CLAIM_SUBMIT)
    user = acting_user(actor)
    if idempotency_key and user is not None:
        earlier = ApiSubmission.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier.claim, False
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": "Give the claim's text."})
    try:
        url = normalize_url(source_url)
    except ValueError as exc:
        raise ValidationError({"source_url": str(exc)}) from None
    if not url:
        raise ValidationError({"source_url": "Give the URL where the claim appeared."})
    # The permission was checked above for the submission as a whole; the parts are written as
    # the system so publishers need no right to create sources or claimants elsewhere.
    source, _ = source_get_or_create(actor=None, url=url, title=url[:500], language=language)
    # Locking the source serialises concurrent submissions from the same page, so two identical
    # requests cannot both miss the duplicate check below.
    source = Source.objects.select_for_update().get(pk=source.pk)
    claim = Claim.objects.filter(text=text, appearances__source=source).order_by("pk").first()
    created = claim is None
    if claim is None:
        claimant = None
        if claimant_name.strip():
            claimant = Claimant.objects.filter(
                name=claimant_name.strip(), affiliation=""
            ).first() or claimant_create(actor=None, name=claimant_name)
        claim = claim_create(
            actor=None, text=text, claimant=claimant, language=language, status=ClaimStatus.TRIAGE
        )
        appearance_add(actor=None, claim=claim, source=source, quote=text)
        claim.created_by = user
        save_audited(
            claim, actor=actor, reason="Submitted through the API", update_fields=["created_by"]
        )
    if user is not None:
        ApiSubmission.objects.create(user=user, idempotency_key=idempotency_key, claim=claim)
    return claim, created
