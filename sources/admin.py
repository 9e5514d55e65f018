"""The editors' admin for sources."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from sources import services
from sources.models import Source

EDITABLE = ("url", "title", "outlet", "author", "published_on", "kind", "language", "body")


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    """Sources as sources knows them; ``claims.admin`` puts a subclass in its place that
    counts each source's appearances (claims own them, and sources imports no other app)."""

    list_display: Any = ("title", "outlet", "kind", "published_on", "language")
    list_filter = ("kind", "language")
    search_fields = ("title", "url", "outlet", "author")
    readonly_fields = ("content_hash", "external_id", "created_at", "updated_at")
    show_full_result_count = False
    fields = (*EDITABLE, *readonly_fields)
    # A link pasted without a scheme is read as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Source, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in EDITABLE}
        if change:
            services.source_update(
                actor=request.user, source=Source.objects.get(pk=obj.pk), **values
            )
        else:
            obj.pk = services.source_create(actor=request.user, **values).pk
            obj.refresh_from_db()
