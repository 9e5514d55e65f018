"""/api/v1/: every app's API routes, the OpenAPI schema and its interactive docs."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from claimdesk.api.access import PublicDocs
from claimdesk.api.errors import not_found
from publishing.api.claims.urls import routes as claim_routes
from publishing.api.sources.urls import routes as source_routes
from publishing.api.urls import routes as review_routes

app_name = "api"

router = SimpleRouter()
for prefix, viewset, basename in (*review_routes, *claim_routes, *source_routes):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    *router.urls,
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[PublicDocs], throttle_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api:schema", permission_classes=[PublicDocs], throttle_classes=[]
        ),
        name="docs",
    ),
    # Anything else under /api/v1/ is the API's JSON 404, with DEBUG on too (Django's debug
    # 404 page is HTML). Only paths ending in a slash, so APPEND_SLASH still redirects
    # /api/v1/claims to /api/v1/claims/.
    re_path(r"^.*/$", not_found),
]
