"""Public pages of the review workflow, mounted at /corrections/ (namespace ``corrections``)."""

from django.urls import path

from desk import views

app_name = "corrections"

urlpatterns = [path("", views.corrections, name="log")]
