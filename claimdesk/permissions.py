"""Who may do what to which object: the single place object permissions are decided.

Every service calls :func:`check` before it writes, so the admin, the review queue, the API and
background tasks all follow the same rules. ``actor=None`` means the system itself (seed
loading, background analysis) and is always allowed; it is never derived from a request.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from claims.roles import EDITORS, FACT_CHECKERS, PUBLISHERS

Actor = User | AnonymousUser | None


class Action(StrEnum):
    SOURCE_CREATE = "source.create"
    SOURCE_UPDATE = "source.update"
    SOURCE_SUBMIT = "source.submit"
    CLAIMANT_CREATE = "claimant.create"
    CLAIMANT_UPDATE = "claimant.update"
    CLAIM_CREATE = "claim.create"
    CLAIM_UPDATE = "claim.update"
    CLAIM_SET_STATUS = "claim.set_status"
    APPEARANCE_ADD = "appearance.add"
    APPEARANCE_CHANGE = "appearance.change"
    ASSIGNMENT_CREATE = "assignment.create"
    ASSIGNMENT_TAKE = "assignment.take"
    ASSIGNMENT_UPDATE = "assignment.update"
    VERDICT_CREATE = "verdict.create"
    VERDICT_UPDATE = "verdict.update"
    VERDICT_SUBMIT = "verdict.submit"
    VERDICT_APPROVE = "verdict.approve"
    VERDICT_PUBLISH = "verdict.publish"
    VERDICT_CORRECT = "verdict.correct"
    VERDICT_RETRACT = "verdict.retract"
    EVIDENCE_ADD = "evidence.add"
    FLAG_RESOLVE = "flag.resolve"
    CLAIM_MERGE = "claim.merge"
    CLAIM_SUBMIT = "claim.submit"
    API_READ = "api.read"
    API_READ_INTERNAL = "api.read_internal"
    API_TOKEN_CREATE = "api_token.create"  # noqa: S105 - an action name, not a secret
    API_TOKEN_REVOKE = "api_token.revoke"  # noqa: S105 - an action name, not a secret
    WEBHOOK_MANAGE = "webhook.manage"
    WEBHOOK_REPLAY = "webhook.replay"
    EXTERNAL_REVIEW_IMPORT = "external_review.import"
    RATING_LABEL_MANAGE = "rating_label.manage"


def roles_of(user: Actor) -> frozenset[str]:
    """The role names of an active user; cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_claimdesk_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(EDITORS)
        cached = frozenset(names)
        setattr(user, "_claimdesk_roles", cached)  # noqa: B010 - a per-request cache on the user
    return cached


def remember_roles(user: User, role_names: set[str]) -> None:
    """Cache the roles an authenticator already read with the user (for the request), so
    :func:`roles_of` needs no query of its own. ``role_names``: the user's groups among ROLES."""
    names = set(role_names)
    if user.is_superuser:
        names.add(EDITORS)
    setattr(user, "_claimdesk_roles", frozenset(names))  # noqa: B010 - see roles_of


def acting_user(actor: Actor) -> User | None:
    """The signed-in user behind an actor, or None for the system and anonymous users."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def is_editor(user: Actor) -> bool:
    return EDITORS in roles_of(user)


def is_checker(user: Actor) -> bool:
    return FACT_CHECKERS in roles_of(user)


def is_publisher(user: Actor) -> bool:
    return PUBLISHERS in roles_of(user)


def is_staff_member(user: Actor) -> bool:
    """Editors and fact-checkers: the people who work on claims."""
    return is_editor(user) or is_checker(user)


def _claim_of(obj: Any) -> Any:
    """The claim an object belongs to (a claim, or anything with a ``claim`` attribute)."""
    from claims.models import Claim

    return obj if isinstance(obj, Claim) else getattr(obj, "claim", None)


def holds_claim(user: Actor, obj: Any) -> bool:
    """True when the user has an open assignment on the object's claim."""
    from reviews.models import OPEN_ASSIGNMENT_STATES, Assignment

    claim = _claim_of(obj)
    if user is None or claim is None or claim.pk is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(
        claim_id=claim.pk, reviewer_id=user.pk, state__in=OPEN_ASSIGNMENT_STATES
    ).exists()


def _author_of(obj: Any) -> int | None:
    return getattr(obj, "author_id", None)


Rule = Callable[[Actor, Any], bool]

_RULES: dict[Action, Rule] = {
    Action.SOURCE_CREATE: lambda u, o: is_staff_member(u),
    Action.SOURCE_UPDATE: lambda u, o: is_editor(u),
    Action.CLAIMANT_CREATE: lambda u, o: is_staff_member(u),
    Action.CLAIMANT_UPDATE: lambda u, o: is_editor(u),
    Action.CLAIM_CREATE: lambda u, o: is_staff_member(u),
    Action.CLAIM_UPDATE: lambda u, o: is_editor(u) or (is_checker(u) and holds_claim(u, o)),
    Action.CLAIM_SET_STATUS: lambda u, o: is_editor(u),
    Action.APPEARANCE_ADD: lambda u, o: is_editor(u) or (is_checker(u) and holds_claim(u, o)),
    Action.APPEARANCE_CHANGE: lambda u, o: is_editor(u) or (is_checker(u) and holds_claim(u, o)),
    Action.ASSIGNMENT_CREATE: lambda u, o: is_editor(u),
    # A fact-checker assigns themselves the next claim from the review queue.
    Action.ASSIGNMENT_TAKE: lambda u, o: is_checker(u),
    Action.ASSIGNMENT_UPDATE: lambda u, o: (
        is_editor(u) or (u is not None and getattr(o, "reviewer_id", None) == u.pk)
    ),
    Action.VERDICT_CREATE: lambda u, o: is_editor(u) or (is_checker(u) and holds_claim(u, o)),
    Action.VERDICT_UPDATE: lambda u, o: (
        is_editor(u) or (is_checker(u) and u is not None and _author_of(o) == u.pk)
    ),
    Action.VERDICT_SUBMIT: lambda u, o: (
        is_editor(u) or (is_checker(u) and u is not None and _author_of(o) == u.pk)
    ),
    # Two-person rule: the approver is an editor who did not write the verdict.
    Action.VERDICT_APPROVE: lambda u, o: is_editor(u) and u is not None and _author_of(o) != u.pk,
    Action.VERDICT_PUBLISH: lambda u, o: is_editor(u),
    Action.VERDICT_CORRECT: lambda u, o: is_editor(u),
    Action.VERDICT_RETRACT: lambda u, o: is_editor(u),
    Action.FLAG_RESOLVE: lambda u, o: is_editor(u),
    Action.CLAIM_MERGE: lambda u, o: is_editor(u),
    Action.EVIDENCE_ADD: lambda u, o: (
        is_editor(u) or (is_checker(u) and u is not None and _author_of(o) == u.pk)
    ),
    # The publisher API: publishers read what is published and may send claims to triage;
    # internal data (flags, unpublished claims) is for the desk's own staff.
    Action.CLAIM_SUBMIT: lambda u, o: is_publisher(u) or is_staff_member(u),
    # Likewise an article, page or URL for the desk to read (its candidates stay internal).
    Action.SOURCE_SUBMIT: lambda u, o: is_publisher(u) or is_staff_member(u),
    Action.API_READ: lambda u, o: is_publisher(u) or is_staff_member(u),
    Action.API_READ_INTERNAL: lambda u, o: is_staff_member(u),
    Action.API_TOKEN_CREATE: lambda u, o: is_editor(u),
    Action.API_TOKEN_REVOKE: lambda u, o: is_editor(u),
    # Publishers manage their own webhook endpoints; editors may manage anyone's.
    Action.WEBHOOK_MANAGE: lambda u, o: (
        is_editor(u)
        or (
            (is_publisher(u) or is_checker(u))
            and (o is None or (u is not None and getattr(o, "user_id", None) == u.pk))
        )
    ),
    Action.WEBHOOK_REPLAY: lambda u, o: is_editor(u),
    # Other outlets' fact-checks: editors import them and keep the rating label table.
    Action.EXTERNAL_REVIEW_IMPORT: lambda u, o: is_editor(u),
    Action.RATING_LABEL_MANAGE: lambda u, o: is_editor(u),
}


def can(user: Actor, action: Action, obj: Any = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``; the system (None) always may."""
    if user is None:
        return True
    return _RULES[action](user, obj)


def check(user: Actor, action: Action, obj: Any = None) -> None:
    """Raise PermissionDenied unless :func:`can` allows the action."""
    if not can(user, action, obj):
        raise PermissionDenied(f"You are not allowed to {action.value.replace('.', ' ')}.")


__all__ = [
    "PUBLISHERS",
    "Action",
    "can",
    "check",
    "is_checker",
    "is_editor",
    "is_publisher",
    "is_staff_member",
]
