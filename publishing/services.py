"""Writes for publishers: API tokens and the change feed.

Webhook endpoints, the delivery outbox and secret rotation are in
``publishing.webhook_services``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from claimdesk.audit import save_audited
from claimdesk.permissions import Action, Actor, acting_user, check
from publishing.models import ApiScope, ApiToken, ReviewChange
from publishing.webhook_services import enqueue_deliveries
from reviews.models import Verdict
from reviews.signals import verdict_changed

# Any fixed number: the PostgreSQL advisory lock that orders writes to the change feed.
CHANGE_FEED_LOCK = 0x43_44_46_44


def review_change_record(*, verdict: Verdict, kind: str) -> ReviewChange:
    """Append to the publishers' change feed, in the caller's transaction.

    Ids come from a sequence, so two transactions could commit ids out of order and a reader
    could pass over the smaller one before it is visible. Holding a transaction-level lock from
    taking the id until commit makes commit order equal id order. (SQLite has one writer.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_FEED_LOCK])
    change = ReviewChange.objects.create(verdict=verdict, kind=kind, version=verdict.version)
    enqueue_deliveries(change)
    return change


@receiver(verdict_changed, dispatch_uid="publishing.review_change_record")
def _on_verdict_changed(sender: Any, *, verdict: Verdict, kind: str, **kwargs: Any) -> None:
    review_change_record(verdict=verdict, kind=kind)


# API tokens ----------------------------------------------------------------------------------

# Tokens read "cdk_" + 43 URL-safe characters (256 random bits); the prefix makes a leaked token
# easy to recognise (secret scanners, logs) and its first characters name it in the admin.
API_TOKEN_PREFIX = "cdk_"  # noqa: S105 - a public marker, not a secret
API_TOKEN_DISPLAY_LENGTH = 12


def api_token_digest(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _scopes_value(scopes: Iterable[str]) -> str:
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = wanted - set(ApiScope.values)
    if unknown or not wanted:
        raise ValidationError(
            {
                "scopes": f"Scopes must be some of {', '.join(ApiScope.values)}; got {sorted(wanted)}."
            }
        )
    return ",".join(sorted(wanted))


@transaction.atomic
def api_token_create(
    *, actor: Actor, user: User, name: str, scopes: Iterable[str] = (ApiScope.READ,)
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the token, which is never stored."""
    check(actor, Action.API_TOKEN_CREATE, user)
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        user=user,
        name=name.strip(),
        scopes=_scopes_value(scopes),
        prefix=token[:API_TOKEN_DISPLAY_LENGTH],
        token_hash=api_token_digest(token),
        created_by=acting_user(actor),
    )
    save_audited(api_token, actor=actor, reason="API token issued")
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor: Actor, api_token: ApiToken) -> bool:
    """Revoke a token; requests with it fail from the next one on. False if already revoked."""
    check(actor, Action.API_TOKEN_REVOKE, api_token)
    locked = ApiToken.objects.select_for_update().get(pk=api_token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    save_audited(locked, actor=actor, reason="API token revoked", update_fields=["revoked_at"])
    api_token.revoked_at = locked.revoked_at
    return True
