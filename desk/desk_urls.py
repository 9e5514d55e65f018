"""The editors' desk, mounted at /desk/ (namespace ``desk``): flag review and statistics."""

from django.urls import path

from desk import flag_views, stats_views

app_name = "desk"

urlpatterns = [
    path("flags/", flag_views.flags_index, name="flags"),
    path("flags/<int:pk>/", flag_views.flag_detail, name="flag"),
    path("flags/<int:pk>/confirm/", flag_views.flag_confirm, name="flag_confirm"),
    path("flags/<int:pk>/dismiss/", flag_views.flag_dismiss, name="flag_dismiss"),
    path("flags/<int:pk>/not-sure/", flag_views.flag_not_sure, name="flag_not_sure"),
    path("stats/", stats_views.stats_index, name="stats"),
    path("stats/<slug:key>.csv", stats_views.stats_csv, name="stats_csv"),
]
