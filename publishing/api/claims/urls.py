"""API routes of the claims app (gathered into /api/v1/ by claimdesk.api.urls)."""

from rest_framework.viewsets import ViewSetMixin

from publishing.api.claims.views import ClaimViewSet, FlagViewSet

routes: list[tuple[str, type[ViewSetMixin], str]] = [
    ("claims", ClaimViewSet, "claim"),
    ("flags", FlagViewSet, "flag"),
]
