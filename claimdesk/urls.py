"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

admin.site.site_header = "Claimdesk"
admin.site.site_title = "Claimdesk"
admin.site.index_title = "Editors' desk"

# Issue 16 moved the publisher models from the reviews app to publishing, and the admin names
# its pages by app label: old bookmarks to /admin/reviews/<model>/... still land on the page.
MOVED_ADMIN = "apitoken|webhookendpoint|webhookdelivery|webhookattempt"

urlpatterns = [
    re_path(
        rf"^admin/reviews/(?P<rest>(?:{MOVED_ADMIN})/.*)$",
        RedirectView.as_view(url="/admin/publishing/%(rest)s", query_string=True),
    ),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("claimdesk.api.urls", namespace="api")),
    path("queue/", include("desk.urls")),
    path("desk/", include("desk.desk_urls")),
    path("corrections/", include("desk.public_urls")),
]

# Under /api/ these answer in the API's error shape (JSON), elsewhere with Django's pages.
handler400 = "claimdesk.api.errors.bad_request"
handler404 = "claimdesk.api.errors.not_found"
handler500 = "claimdesk.api.errors.server_error"
