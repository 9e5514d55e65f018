"""The editors' admin for external reviews, their rating labels, and the claim's matches.

Writes go through the services: the upload calls ``external_reviews_import``, label edits
``rating_label_save``. External reviews themselves are read-only: they are the outlet's words.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from celery import current_app
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from kombu.exceptions import OperationalError
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Claim
from reviews.admin import ReviewedClaimAdmin

from . import services
from .models import ExternalMatch, ExternalReview, FeedSubscription, RatingLabel
from .parsing import FORMATS
from .selectors import (
    claim_checked_elsewhere,
    claims_with_outlet_disagreement,
    claims_with_verdict_conflicts,
)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="Feed, JSON-LD, HTML page, claims:search JSON or CSV.")
    format = forms.ChoiceField(choices=[("", "Detect"), *((f, f) for f in FORMATS)], required=False)
    publisher = forms.CharField(
        max_length=200, required=False, help_text="Outlet name, when the file does not say."
    )


@admin.register(ExternalReview)
class ExternalReviewAdmin(SimpleHistoryAdmin):
    """Imported reviews: read-only, searchable, with an upload."""

    list_display = (
        "short_claim",
        "publisher_name",
        "rating_label",
        "normalised_rating",
        "date_published",
        "link",
    )
    list_filter = ("normalised_rating", "publisher_site", "language")
    search_fields = ("claim_reviewed", "headline", "url", "publisher_name")
    change_list_template = "admin/factchecks/externalreview_changelist.html"
    readonly_fields = [f.name for f in ExternalReview._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing only; corrections arrive by importing the outlet's corrected item.
        return False

    @admin.display(description="Claim reviewed")
    def short_claim(self, obj: ExternalReview) -> str:
        text = obj.claim_reviewed
        return text if len(text) <= 90 else f"{text[:87]}..."

    @admin.display(description="Review")
    def link(self, obj: ExternalReview) -> str:
        return format_html('<a href="{}" rel="noopener" target="_blank">open</a>', obj.url)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="factchecks_externalreview_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryFile() as stream:
                for chunk in upload.chunks():
                    stream.write(chunk)
                try:
                    result = services.external_reviews_import(
                        actor=request.user,
                        stream=stream,
                        fmt=form.cleaned_data["format"] or None,
                        publisher=form.cleaned_data["publisher"],
                    )
                except services.ImportRejected as exc:
                    self.message_user(
                        request, f"Rejected, nothing written: {exc}", level=messages.ERROR
                    )
                except PermissionDenied as exc:
                    self.message_user(request, str(exc), level=messages.ERROR)
                else:
                    self.message_user(request, f"Imported: {json.dumps(result.counts())}")
                    return HttpResponseRedirect(
                        reverse("admin:factchecks_externalreview_changelist")
                    )
        context = {**self.admin_site.each_context(request), "form": form, "title": "Import"}
        return TemplateResponse(request, "admin/factchecks/import.html", context)


@admin.register(RatingLabel)
class RatingLabelAdmin(SimpleHistoryAdmin):
    """How outlets' textual ratings read on the normalised scale; editors keep it."""

    list_display = ("label", "publisher_site", "normalised", "updated_at")
    list_filter = ("normalised",)
    search_fields = ("label", "publisher_site")

    def save_model(self, request: HttpRequest, obj: RatingLabel, form: Any, change: bool) -> None:
        services.rating_label_save(actor=request.user, label=obj)


def checked_elsewhere_html(claim_id: int) -> str:
    """The claim's external matches as an editor reads them (outlet, rating, date, link)."""
    rows = claim_checked_elsewhere(claim_id)
    if not rows:
        return "No other outlet's fact-check matches this claim."
    return format_html(
        "<ul class='checked-elsewhere'>{}</ul>",
        format_html_join(
            "",
            "<li><strong>{}</strong>: {} ({}) on {} — <a href='{}' rel='noopener' "
            "target='_blank'>{}</a> · score {}{}</li>",
            (
                (
                    row.review.publisher_name or row.review.publisher_site,
                    row.review.rating_label or "no label",
                    row.review.get_normalised_rating_display(),
                    row.review.date_published or "an unknown date",
                    row.review.url,
                    row.review.url,
                    f"{row.score:.2f}",
                    " · VERDICT CONFLICT with the desk's published verdict"
                    if row.conflicts_with_desk
                    else (" · outlets disagree" if row.conflicts_with_outlets else ""),
                )
                for row in rows
            ),
        ),
    )


class CheckedElsewhereFilter(admin.SimpleListFilter):
    """The editors' list of verdict conflicts: claims another outlet checked, those whose
    published verdict an outlet contradicts, and those outlets disagree on."""

    title = "checked elsewhere"
    parameter_name = "checked_elsewhere"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("any", "Checked by another outlet"),
            ("desk_conflict", "Verdict conflict with an outlet"),
            ("outlets_disagree", "Outlets disagree"),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value == "any":
            return queryset.filter(pk__in=ExternalMatch.objects.values("claim_id"))
        if value == "desk_conflict":
            return queryset.filter(pk__in=claims_with_verdict_conflicts().values("pk"))
        if value == "outlets_disagree":
            return queryset.filter(pk__in=claims_with_outlet_disagreement().values("pk"))
        return queryset


# reviews registers the claim's admin; this subclass adds the "checked elsewhere" panel.
admin.site.unregister(Claim)


@admin.register(Claim)
class CheckedElsewhereClaimAdmin(ReviewedClaimAdmin):
    """The claim's admin with the other outlets' fact-checks it repeats."""

    fieldsets: Any = (
        *ReviewedClaimAdmin.fieldsets,
        ("Checked elsewhere", {"fields": ("checked_elsewhere",)}),
    )
    readonly_fields: Any = (*ReviewedClaimAdmin.readonly_fields, "checked_elsewhere")
    list_filter: Any = (*ReviewedClaimAdmin.list_filter, CheckedElsewhereFilter)

    @admin.display(description="Other outlets' fact-checks")
    def checked_elsewhere(self, obj: Claim) -> str:
        return checked_elsewhere_html(obj.pk) if obj.pk else "—"


FETCH_TASK = "publishing.tasks.fetch_feed_subscription"


@admin.register(FeedSubscription)
class FeedSubscriptionAdmin(SimpleHistoryAdmin):
    """Outlets' feeds fetched on a schedule; what the last fetch did."""

    list_display = (
        "url",
        "publisher",
        "active",
        "every_minutes",
        "last_checked_at",
        "last_outcome",
    )
    list_filter = ("active",)
    fields = (
        "url",
        "publisher",
        "active",
        "every_minutes",
        "last_checked_at",
        "next_check_at",
        "last_outcome",
        "last_counts",
    )
    readonly_fields = ("last_checked_at", "next_check_at", "last_outcome", "last_counts")
    actions = ("fetch_now",)

    def save_model(
        self, request: HttpRequest, obj: FeedSubscription, form: Any, change: bool
    ) -> None:
        if change:
            services.feed_subscription_update(
                actor=request.user,
                subscription=obj,
                publisher=obj.publisher,
                active=obj.active,
                every_minutes=obj.every_minutes,
            )
            return
        created = services.feed_subscription_create(
            actor=request.user,
            url=obj.url,
            publisher=obj.publisher,
            every_minutes=obj.every_minutes,
        )
        obj.pk = created.pk

    @admin.action(description="Fetch now")
    def fetch_now(self, request: HttpRequest, queryset: Any) -> None:
        ids = list(queryset.values_list("id", flat=True))
        # Due first, in the database: if the message below is refused or lost, beat's sweep
        # (every 5 minutes) still fetches these feeds.
        services.feed_subscriptions_mark_due(actor=request.user, subscription_ids=ids)
        try:
            # The fetch lives in publishing (the outbound guard); enqueued by name.
            for subscription_id in ids:
                current_app.tasks[FETCH_TASK].delay(subscription_id)
        except OperationalError:
            self.message_user(
                request,
                f"The task queue is unreachable, so nothing was fetched now. The {len(ids)} "
                "selected feed(s) are marked due and the scheduled fetch (every 5 minutes) "
                "will fetch them once the queue is back.",
                level=messages.WARNING,
            )
            return
        self.message_user(request, f"Fetch of {len(ids)} feed(s) enqueued.")
