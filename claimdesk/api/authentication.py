"""Who is calling: bearer tokens for publishers, the admin session for the desk's staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Group, User
from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from claimdesk.permissions import is_staff_member, remember_roles
from claims.roles import ROLES
from publishing.models import ApiToken
from publishing.services import api_token_digest

# Recording every use would turn each read into a write; once a minute is enough to tell
# active tokens from forgotten ones.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``, checked against the stored digest on every request, so
    a revoked token (or a deactivated user) is refused from the next request on."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the header as: Authorization: Bearer <token>.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        # The user's roles come in the same query (one EXISTS per role): every request needs
        # them for its permission check, and a second round trip cost as much as this one.
        roles = {
            f"has_role_{i}": Exists(Group.objects.filter(user=OuterRef("user"), name=role))
            for i, role in enumerate(ROLES)
        }
        api_token = (
            ApiToken.objects.select_related("user")
            .annotate(**roles)
            .filter(token_hash=api_token_digest(token))
            .first()
        )
        if api_token is None or api_token.revoked_at is not None or not api_token.user.is_active:
            raise AuthenticationFailed("Invalid or revoked token.")
        remember_roles(
            api_token.user,
            {role for i, role in enumerate(ROLES) if getattr(api_token, f"has_role_{i}")},
        )
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.user, api_token

    def authenticate_header(self, request: Request) -> str:
        # Also makes unauthenticated requests get 401 (not 403), as this is the first class.
        return 'Bearer realm="api"'


class StaffSessionAuthentication(SessionAuthentication):
    """The admin session, for editors and fact-checkers only (to browse the API and its docs).

    Publishers use tokens: a session carries no scopes and is open to CSRF-style mistakes, so
    it is not a way in for them. DRF still enforces CSRF on unsafe methods for sessions.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not is_staff_member(result[0]):
            return None
        return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes bearer tokens in the OpenAPI schema."""

    target_class = "claimdesk.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An API token (cdk_…)."}


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "claimdesk.api.authentication.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
