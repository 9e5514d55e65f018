"""The desk's roles, as Django groups, and the model permissions each role holds."""

from __future__ import annotations

from typing import Any

EDITORS = "Editors"
FACT_CHECKERS = "Fact-checkers"
PUBLISHERS = "Publishers"
ROLES = (EDITORS, FACT_CHECKERS, PUBLISHERS)

_ALL = ("view", "add", "change", "delete")

# Model permissions drive what the admin shows; what a user may do to a given object is decided
# in claimdesk.permissions, which every service consults.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    EDITORS: {
        "sources.source": _ALL,
        "claims.claim": _ALL,
        "claims.claimant": _ALL,
        "claims.tag": _ALL,
        "claims.appearance": _ALL,
        "reviews.assignment": _ALL,
        "reviews.verdict": ("view", "add", "change"),
        "reviews.evidence": _ALL,
        "claims.flag": ("view", "change"),
        # Issue and revoke publishers' API tokens (never delete: revoked tokens keep history).
        "publishing.apitoken": ("view", "add", "change"),
        "publishing.webhookendpoint": ("view",),
        "publishing.webhookdelivery": ("view", "change"),
        "publishing.webhookattempt": ("view",),
        # Unlock a colleague locked out of sign-in (django-axes): deleting the attempts is the
        # unlock. The failure log stays read-only.
        "axes.accessattempt": ("view", "delete"),
        "axes.accessfailurelog": ("view",),
        # Other outlets' fact-checks: read-only rows, and the label table editors keep.
        "factchecks.externalreview": ("view",),
        "factchecks.ratinglabel": ("view", "add", "change"),
        "factchecks.feedsubscription": ("view", "add", "change"),
    },
    FACT_CHECKERS: {
        "sources.source": ("view", "add"),
        "claims.claim": ("view", "add"),
        "claims.claimant": ("view", "add"),
        "claims.tag": ("view",),
        "claims.appearance": ("view", "add"),
        "reviews.assignment": ("view",),
        "reviews.verdict": ("view", "add", "change"),
        "reviews.evidence": ("view", "add", "change", "delete"),
        "claims.flag": ("view",),
        "factchecks.externalreview": ("view",),
    },
    PUBLISHERS: {},
}


def sync_role_permissions(**kwargs: Any) -> None:
    """Give each role group exactly the permissions listed above (runs after migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted: list[Permission] = []
        for label, actions in ROLE_PERMISSIONS[role].items():
            app_label, model = label.split(".")
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
        group.permissions.set(wanted)
