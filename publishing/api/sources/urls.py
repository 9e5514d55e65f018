"""API routes of the sources app (gathered into /api/v1/ by claimdesk.api.urls)."""

from rest_framework.viewsets import ViewSetMixin

from publishing.api.sources.views import SourceViewSet

routes: list[tuple[str, type[ViewSetMixin], str]] = [("sources", SourceViewSet, "source")]
