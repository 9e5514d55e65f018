"""Writes to assignments, verdicts and evidence: the review workflow.

Verdicts move draft → submitted → approved → published, may be returned from submitted to
draft, corrected while published (a new version), and retracted. Any other move is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from claimdesk.audit import changed_fields, save_audited
from claimdesk.permissions import Action, Actor, acting_user, check, is_checker
from claims.models import Claim, ClaimStatus
from claims.services import claim_set_status
from reviews.models import (
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    AssignmentState,
    ChangeKind,
    Evidence,
    Verdict,
    VerdictState,
)
from reviews.selectors import TAKEABLE_STATUSES, QueueFilters, ranked_claim_ids, unassigned_claims
from reviews.signals import verdict_changed
from sources.models import Source
from sources.services import source_get_or_create

VERDICT_TRANSITIONS: dict[str, frozenset[str]] = {
    VerdictState.DRAFT: frozenset({VerdictState.SUBMITTED}),
    VerdictState.SUBMITTED: frozenset({VerdictState.DRAFT, VerdictState.APPROVED}),
    VerdictState.APPROVED: frozenset({VerdictState.PUBLISHED, VerdictState.DRAFT}),
    VerdictState.PUBLISHED: frozenset({VerdictState.RETRACTED}),
    VerdictState.RETRACTED: frozenset(),
}
EDITABLE_VERDICT_STATES = (VerdictState.DRAFT, VerdictState.SUBMITTED)


def _record_change(verdict: Verdict, kind: str) -> None:
    """Tell the apps built on reviews (publishing: the change feed and webhook outbox) that a
    verdict was published, corrected or retracted, inside this transaction so their rows
    commit or roll back with the verdict. A signal rather than a call: reviews must not
    import the apps that use it."""
    verdict_changed.send(sender=Verdict, verdict=verdict, kind=kind)


def _lock(verdict: Verdict) -> Verdict:
    return Verdict.objects.select_for_update().get(pk=verdict.pk)


def _move(verdict: Verdict, to: str) -> None:
    if to not in VERDICT_TRANSITIONS[verdict.state]:
        raise ValidationError(
            {
                "state": f"A verdict cannot go from “{verdict.get_state_display()}” to "
                f"“{VerdictState(to).label}”."
            }
        )
    verdict.state = to


class StaleVerdictError(ValidationError):
    """The verdict changed since the form was loaded: saving would overwrite someone's work."""


def _save_verdict(verdict: Verdict, *, actor: Actor, reason: str, update_fields: list[str]) -> None:
    """Save a locked verdict, bumping its revision so forms showing the old one go stale."""
    verdict.revision += 1
    save_audited(verdict, actor=actor, reason=reason, update_fields=[*update_fields, "revision"])


def _refresh(target: Verdict, source: Verdict) -> Verdict:
    """Copy the saved state back onto the caller's instance so it is not stale."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# Assignments ---------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *, actor: Actor, claim: Claim, reviewer: User, due_on: dt.date | None = None
) -> Assignment:
    """Give a claim to a fact-checker; the claim goes into review."""
    check(actor, Action.ASSIGNMENT_CREATE, claim)
    return _assign(actor=actor, claim=claim, reviewer=reviewer, due_on=due_on)


# How many top-ranked candidates one "take next" looks at before re-ranking: enough that a
# handful of checkers pressing at once each find an unlocked claim in the first batch.
TAKE_NEXT_BATCH = 20


@transaction.atomic
def assignment_take_next(*, actor: Actor, filters: QueueFilters | None = None) -> Assignment | None:
    """Assign the top unassigned claim of the queue to the acting fact-checker.

    Candidates are ranked without locks, then locked with ``FOR UPDATE SKIP LOCKED`` and their
    status re-checked under the lock: a claim another checker is taking right now is skipped,
    and one taken a moment ago no longer matches, so two checkers never get the same claim
    (the one-open-assignment-per-claim constraint backs this up). Returns None when the queue
    (as filtered) is empty.
    """
    check(actor, Action.ASSIGNMENT_TAKE)
    reviewer = acting_user(actor)
    if reviewer is None:
        raise ValidationError("Only a signed-in fact-checker can take a claim.")
    candidates = unassigned_claims(filters or QueueFilters()).filter(status__in=TAKEABLE_STATUSES)
    offset = 0
    while True:
        ids = ranked_claim_ids(candidates, limit=TAKE_NEXT_BATCH, offset=offset)
        if not ids:
            return None
        # Lock only the best still-free candidate: ordering by rank with LIMIT 1 makes
        # SKIP LOCKED step over claims other checkers are taking, one row at a time.
        rank = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)))
        claim = (
            Claim.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status__in=TAKEABLE_STATUSES)
            .order_by(rank)
            .first()
        )
        if claim is not None:
            return _assign(actor=actor, claim=claim, reviewer=reviewer)
        offset += TAKE_NEXT_BATCH


def _assign(
    *, actor: Actor, claim: Claim, reviewer: User, due_on: dt.date | None = None
) -> Assignment:
    """The rules every assignment follows, whoever makes it (callers check permission)."""
    if not is_checker(reviewer):
        raise ValidationError({"reviewer": f"{reviewer} is not a fact-checker."})
    if claim.status in (ClaimStatus.MERGED, ClaimStatus.PUBLISHED, ClaimStatus.NOT_CHECKABLE):
        raise ValidationError(
            {"claim": f"A claim that is “{claim.get_status_display()}” cannot be assigned."}
        )
    assignment = Assignment(
        claim=claim, reviewer=reviewer, assigned_by=acting_user(actor), due_on=due_on
    )
    save_audited(assignment, actor=actor, reason=f"Assigned to {reviewer}")
    claim_set_status(
        actor=actor, claim=claim, status=ClaimStatus.IN_REVIEW, reason="Assigned", by_review=True
    )
    return assignment


@transaction.atomic
def assignment_update(*, actor: Actor, assignment: Assignment, **fields: Any) -> list[str]:
    """Change an assignment's state or due date; releasing puts the claim back in the queue."""
    check(actor, Action.ASSIGNMENT_UPDATE, assignment)
    unknown = set(fields) - {"state", "due_on"}
    if unknown:
        raise TypeError(f"assignment_update() cannot change {sorted(unknown)}")
    was_open = assignment.state in OPEN_ASSIGNMENT_STATES
    changed = changed_fields(assignment, fields)
    if not changed:
        return changed
    if not was_open and assignment.state in OPEN_ASSIGNMENT_STATES:
        raise ValidationError({"state": "A finished or released assignment cannot be reopened."})
    save_audited(
        assignment, actor=actor, reason=f"Changed {', '.join(changed)}", update_fields=changed
    )
    if assignment.state == AssignmentState.RELEASED and was_open:
        claim_set_status(
            actor=actor,
            claim=assignment.claim,
            status=ClaimStatus.READY,
            reason="Assignment released",
            by_review=True,
        )
    return changed


# Verdicts ------------------------------------------------------------------------------------


@transaction.atomic
def verdict_create(
    *, actor: Actor, claim: Claim, rating: str, headline: str, explanation: str
) -> Verdict:
    """Start a draft verdict on a claim, authored by the actor."""
    check(actor, Action.VERDICT_CREATE, claim)
    verdict = Verdict(
        claim=claim,
        rating=rating,
        headline=headline.strip(),
        explanation=explanation,
        author=acting_user(actor),
    )
    save_audited(verdict, actor=actor, reason="Draft verdict created")
    # Evidence gathered before the draft existed joins it.
    for item in Evidence.objects.filter(claim=claim, verdict__isnull=True):
        item.verdict = verdict
        save_audited(
            item, actor=actor, reason="Joined the draft verdict", update_fields=["verdict"]
        )
    return verdict


@transaction.atomic
def verdict_update(
    *, actor: Actor, verdict: Verdict, expected_revision: int | None = None, **fields: Any
) -> list[str]:
    """Edit a draft or submitted verdict's rating, headline or explanation.

    ``expected_revision`` is the revision the editing form was built from; when the verdict has
    been saved since, the edit is refused with :class:`StaleVerdictError` (no lost updates).
    """
    check(actor, Action.VERDICT_UPDATE, verdict)
    unknown = set(fields) - {"rating", "headline", "explanation"}
    if unknown:
        raise TypeError(f"verdict_update() cannot change {sorted(unknown)}")
    locked = _lock(verdict)
    if expected_revision is not None and locked.revision != expected_revision:
        who = locked.history.select_related("history_user").first()
        by = f" by {who.history_user}" if who is not None and who.history_user else ""
        raise StaleVerdictError(
            f"This verdict was changed{by} after you opened it, so your edit was not saved. "
            "Your text is kept below: compare it with the current version, then save again."
        )
    if locked.state not in EDITABLE_VERDICT_STATES:
        raise ValidationError(
            {"state": "Only a draft or submitted verdict can be edited; correct a published one."}
        )
    if "headline" in fields:
        fields["headline"] = str(fields["headline"]).strip()
    changed = changed_fields(locked, fields)
    if changed:
        _save_verdict(
            locked, actor=actor, reason=f"Changed {', '.join(changed)}", update_fields=changed
        )
    _refresh(verdict, locked)
    return changed


@transaction.atomic
def verdict_submit(*, actor: Actor, verdict: Verdict) -> Verdict:
    """Send a draft to the editors for approval."""
    check(actor, Action.VERDICT_SUBMIT, verdict)
    locked = _lock(verdict)
    _move(locked, VerdictState.SUBMITTED)
    _save_verdict(locked, actor=actor, reason="Submitted for approval", update_fields=["state"])
    claim_set_status(
        actor=actor,
        claim=locked.claim,
        status=ClaimStatus.AWAITING_APPROVAL,
        reason="Verdict submitted",
        by_review=True,
    )
    return _refresh(verdict, locked)


@transaction.atomic
def verdict_return(*, actor: Actor, verdict: Verdict, comment: str) -> Verdict:
    """Send a submitted verdict back to its author with a comment."""
    check(actor, Action.VERDICT_APPROVE, verdict)
    if not comment.strip():
        raise ValidationError({"comment": "Say what needs changing."})
    locked = _lock(verdict)
    _move(locked, VerdictState.DRAFT)
    locked.return_comment = comment.strip()
    _save_verdict(
        locked,
        actor=actor,
        reason=f"Returned to checker: {comment.strip()}",
        update_fields=["state", "return_comment"],
    )
    claim_set_status(
        actor=actor,
        claim=locked.claim,
        status=ClaimStatus.IN_REVIEW,
        reason="Verdict returned",
        by_review=True,
    )
    return _refresh(verdict, locked)


@transaction.atomic
def verdict_approve(*, actor: Actor, verdict: Verdict) -> Verdict:
    """An editor other than the author approves a submitted verdict."""
    check(actor, Action.VERDICT_APPROVE, verdict)
    locked = _lock(verdict)
    _move(locked, VerdictState.APPROVED)
    locked.approver = acting_user(actor)
    _save_verdict(locked, actor=actor, reason="Approved", update_fields=["state", "approver"])
    return _refresh(verdict, locked)


@transaction.atomic
def verdict_publish(
    *, actor: Actor, verdict: Verdict, published_at: dt.datetime | None = None
) -> Verdict:
    """Make an approved verdict public; the claim is then published."""
    check(actor, Action.VERDICT_PUBLISH, verdict)
    locked = _lock(verdict)
    _move(locked, VerdictState.PUBLISHED)
    locked.published_at = published_at or timezone.now()
    _save_verdict(locked, actor=actor, reason="Published", update_fields=["state", "published_at"])
    _record_change(locked, ChangeKind.PUBLISHED)
    claim_set_status(
        actor=actor,
        claim=locked.claim,
        status=ClaimStatus.PUBLISHED,
        reason="Verdict published",
        by_review=True,
    )
    # The work is done: the claim leaves its checker's "Assigned to me" list.
    for assignment in Assignment.objects.filter(
        claim_id=locked.claim_id, state__in=OPEN_ASSIGNMENT_STATES
    ):
        assignment.state = AssignmentState.DONE
        save_audited(assignment, actor=actor, reason="Verdict published", update_fields=["state"])
    return _refresh(verdict, locked)


@transaction.atomic
def verdict_correct(*, actor: Actor, verdict: Verdict, note: str, **fields: Any) -> Verdict:
    """Correct a published verdict: a new version with a dated note; history keeps the old one."""
    check(actor, Action.VERDICT_CORRECT, verdict)
    unknown = set(fields) - {"rating", "headline", "explanation"}
    if unknown:
        raise TypeError(f"verdict_correct() cannot change {sorted(unknown)}")
    if not note.strip():
        raise ValidationError({"note": "A correction needs a note saying what changed."})
    locked = _lock(verdict)
    if locked.state != VerdictState.PUBLISHED:
        raise ValidationError({"state": "Only a published verdict can be corrected."})
    changed = changed_fields(locked, fields)
    locked.version += 1
    locked.correction_note = note.strip()
    locked.corrected_at = timezone.now()
    _save_verdict(
        locked,
        actor=actor,
        reason=f"Correction (version {locked.version}): {note.strip()}",
        update_fields=[*changed, "version", "correction_note", "corrected_at"],
    )
    _record_change(locked, ChangeKind.CORRECTED)
    return _refresh(verdict, locked)


@transaction.atomic
def verdict_retract(*, actor: Actor, verdict: Verdict, reason: str) -> Verdict:
    """Withdraw a published verdict, with the reason shown to readers."""
    check(actor, Action.VERDICT_RETRACT, verdict)
    if not reason.strip():
        raise ValidationError({"reason": "A retraction needs a reason."})
    locked = _lock(verdict)
    _move(locked, VerdictState.RETRACTED)
    locked.retraction_reason = reason.strip()
    _save_verdict(
        locked,
        actor=actor,
        reason=f"Retracted: {reason.strip()}",
        update_fields=["state", "retraction_reason"],
    )
    _record_change(locked, ChangeKind.RETRACTED)
    claim_set_status(
        actor=actor,
        claim=locked.claim,
        status=ClaimStatus.IN_REVIEW,
        reason="Verdict retracted",
        by_review=True,
    )
    return _refresh(verdict, locked)


@transaction.atomic
def evidence_add(
    *, actor: Actor, verdict: Verdict, source: Source, stance: str, note: str = ""
) -> Evidence:
    """Attach a source to a verdict as supporting, refuting or context."""
    check(actor, Action.EVIDENCE_ADD, verdict)
    evidence = Evidence(
        claim_id=verdict.claim_id,
        verdict=verdict,
        source=source,
        stance=stance,
        note=note.strip(),
        added_by=acting_user(actor),
    )
    save_audited(evidence, actor=actor, reason="Evidence added")
    return evidence


@transaction.atomic
def evidence_add_source(
    *,
    actor: Actor,
    claim: Claim,
    url: str,
    title: str,
    outlet: str = "",
    stance: str,
    note: str = "",
) -> Evidence:
    """Record the source at ``url`` (created first if new) as evidence on a claim.

    It joins the claim's current verdict, or waits for the draft when there is none yet; the
    person who may start that verdict (the checker holding the claim, or an editor) may
    gather its evidence.
    """
    verdict = claim.verdicts.exclude(state=VerdictState.RETRACTED).order_by("-created_at").first()
    if verdict is not None:
        check(actor, Action.EVIDENCE_ADD, verdict)
        if verdict.state not in EDITABLE_VERDICT_STATES:
            raise ValidationError("Evidence is added while the verdict is a draft or submitted.")
    else:
        check(actor, Action.VERDICT_CREATE, claim)
    source, _ = source_get_or_create(actor=actor, url=url, title=title, outlet=outlet)
    if Evidence.objects.filter(claim=claim, verdict=verdict, source=source).exists():
        raise ValidationError({"url": "This source is already in the evidence."})
    evidence = Evidence(
        claim=claim,
        verdict=verdict,
        source=source,
        stance=stance,
        note=note.strip(),
        added_by=acting_user(actor),
    )
    save_audited(evidence, actor=actor, reason="Evidence added")
    return evidence


@transaction.atomic
def verdict_reuse(*, actor: Actor, claim: Claim, original: Verdict) -> Verdict:
    """Start a draft on ``claim`` from the published verdict of a claim it repeats.

    The draft still goes through approval: reusing saves the writing, not the second look.
    """
    if original.state != VerdictState.PUBLISHED:
        raise ValidationError("Only a published verdict can be reused.")
    if original.claim_id == claim.pk:
        raise ValidationError("A claim cannot reuse its own verdict.")
    if claim.verdicts.exclude(state=VerdictState.RETRACTED).exists():
        raise ValidationError("This claim already has a verdict in progress.")
    verdict = verdict_create(
        actor=actor,
        claim=claim,
        rating=original.rating,
        headline=original.headline,
        explanation=(
            f"{original.explanation}\n\n"
            f"*This claim repeats claim #{original.claim_id}, checked on "
            f"{original.published_at:%Y-%m-%d}.*"
            if original.published_at
            else original.explanation
        ),
    )
    have = set(verdict.evidence.values_list("source_id", flat=True))
    for item in original.evidence.exclude(source_id__in=have).select_related("source"):
        evidence_add(
            actor=actor, verdict=verdict, source=item.source, stance=item.stance, note=item.note
        )
    return verdict
