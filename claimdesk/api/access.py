"""Request and object permissions for the API, decided by the project's rule table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from claimdesk.permissions import Action, can
from publishing.models import ApiScope, ApiToken

if TYPE_CHECKING:
    from rest_framework.views import APIView


def required_action(view: APIView, request: Request) -> Action:
    """The rule-table action a request needs: views name it per DRF action, reads by default."""
    actions: dict[str, Action] = getattr(view, "actions_required", {})
    return actions.get(getattr(view, "action", None) or "", Action.API_READ)


def required_scope(view: APIView, request: Request) -> str:
    """Reads need ``read``; writes need the view's ``write_scope`` (``submit`` by default)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return ApiScope.READ
    return str(getattr(view, "write_scope", ApiScope.SUBMIT))


class ApiAccess(BasePermission):
    """Signed in, allowed by the rule table, and (for tokens) holding the method's scope.

    Unauthenticated callers fail here and DRF answers 401, since the bearer authenticator
    names a challenge.
    """

    message = "You are not allowed to use this part of the API."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        token = request.auth
        if isinstance(token, ApiToken):
            scope = required_scope(view, request)
            if scope not in token.scope_set:
                self.message = f"This token does not have the “{scope}” scope."
                return False
        return can(user, required_action(view, request))

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return can(request.user, required_action(view, request), obj)


class PublicDocs(BasePermission):
    """The schema and docs describe the API, not its data: readable before one has a token."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return True
