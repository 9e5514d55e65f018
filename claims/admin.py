"""The editors' admin for claims, claimants and appearances.

Every save and action goes through the services, so the admin follows the same rules (and
leaves the same history) as the review queue, the API and background tasks.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import Appearance, Claim, Claimant, ClaimStatus, Flag, Tag
from claims.selectors import FlagRow, appearances_counted, claim_flags, claim_list_annotated
from sources.admin import SourceAdmin
from sources.models import Source


def report_errors(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, label: str, exc: Exception
) -> None:
    """Show a service's refusal as an admin message instead of an error page."""
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    modeladmin.message_user(request, f"{label}: {text}", level=messages.ERROR)


def apply_formset_through_services(
    request: HttpRequest,
    formset: BaseInlineFormSet[Any, Any, Any],
    *,
    create: Any,
    update: Any,
    delete: Any = None,
) -> None:
    """Save an inline formset by calling services for each added, changed and deleted row."""
    instances = formset.save(commit=False)
    changed = {obj.pk: names for obj, names in formset.changed_objects}
    for obj in formset.deleted_objects:
        if delete is None:
            raise PermissionDenied("These rows cannot be deleted.")
        delete(request, obj)
    for obj in instances:
        if obj.pk is None:
            create(request, obj)
        elif changed.get(obj.pk):
            original = type(obj)._default_manager.get(pk=obj.pk)
            update(request, original, {name: getattr(obj, name) for name in changed[obj.pk]})


class AppearanceInline(admin.TabularInline[Appearance, Claim]):
    """Existing appearances, read-only here (edit one on its own page).

    An autocomplete widget per row would query its selected source once per row; listing
    them read-only keeps the claim page at a fixed number of queries however often the claim
    was repeated.
    """

    model = Appearance
    extra = 0
    fields = ("source", "quote", "appeared_on", "speaker", "stance")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = "appearances"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appearance]:
        return super().get_queryset(request).select_related("source")


class NewAppearanceInline(admin.TabularInline[Appearance, Claim]):
    """Rows for adding appearances, with source autocomplete."""

    model = Appearance
    extra = 1
    fields = ("source", "quote", "appeared_on", "speaker", "stance", "start_offset", "end_offset")
    autocomplete_fields = ("source",)
    can_delete = False
    verbose_name_plural = "add appearances"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appearance]:
        return super().get_queryset(request).none()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)


WORKFLOW_FIELDS = ("status", "canonical", "external_id", "created_by", "created_at", "updated_at")


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    """The claim's admin as far as claims knows it: text, appearances, flags, status.

    ``reviews.admin`` registers a subclass in its place that adds what belongs to the review
    domain (rating and reviewer columns and filters, assignments, verdicts, the assign action),
    so this app never imports reviews.
    """

    list_display: Any = (
        "short_text",
        "claimant",
        "status",
        "priority",
        "appearance_count",
        "open_flags",
        "created_at",
    )
    list_display_links = ("short_text",)
    list_filter: Any = ("status", "priority", "language", "tags")
    list_select_related = ("claimant",)
    list_per_page = 50
    # Counting 100,000 rows twice per page is wasted work; one count for the paginator is enough.
    show_full_result_count = False
    search_fields = ("text", "claimant__name", "external_id")
    search_help_text = "Search the claim text, the claimant's name or the import key."
    autocomplete_fields = ("claimant", "tags")
    date_hierarchy = None
    ordering = ("priority", "-created_at")
    fieldsets = (
        (None, {"fields": ("text", "claimant", "claim_date", "language", "tags", "priority")}),
        ("Workflow", {"fields": WORKFLOW_FIELDS}),
        ("Repeats and conflicts", {"fields": ("analysis_state", "flags_panel")}),
    )
    readonly_fields = (*WORKFLOW_FIELDS, "analysis_state", "flags_panel")
    inlines: Any = (AppearanceInline, NewAppearanceInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return claim_list_annotated(super().get_queryset(request))

    def flag_rows(self, claim: Claim) -> list[FlagRow]:
        """The rows of the flags panel; the subclass in reviews adds the other claim's rating."""
        return claim_flags(claim)

    @admin.display(description="Claim", ordering="text")
    def short_text(self, obj: Claim) -> str:
        return str(obj)

    @admin.display(description="Appearances", ordering="appearance_count")
    def appearance_count(self, obj: Claim) -> int:
        return int(getattr(obj, "appearance_count", 0))

    @admin.display(description="Open flags", ordering="open_flag_count")
    def open_flags(self, obj: Claim) -> int:
        return int(getattr(obj, "open_flag_count", 0))

    @admin.display(description="Flags")
    def flags_panel(self, obj: Claim) -> str:
        if obj.pk is None:
            return "—"
        rows = self.flag_rows(obj)
        if not rows:
            return "No repeats or conflicts found."
        return format_html(
            "<table><tr><th>Kind</th><th>Status</th><th>Score</th><th>Other claim</th>"
            "<th>Its verdict</th><th>Why</th></tr>{}</table>",
            format_html_join(
                "",
                '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td>'
                '<td><a href="{}">#{} {}</a></td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        row.flag.get_kind_display(),
                        reverse("admin:claims_flag_change", args=[row.flag.pk]),
                        row.flag.get_status_display(),
                        f"{row.flag.score:.2f}",
                        reverse("admin:claims_claim_change", args=[row.other.pk]),
                        row.other.pk,
                        row.other,
                        row.other_rating or "—",
                        " ".join(row.flag.reasons),
                    )
                    for row in rows
                ),
            ),
        )

    # Saving through services ---------------------------------------------------------------

    def save_model(
        self, request: HttpRequest, obj: Claim, form: forms.ModelForm[Claim], change: bool
    ) -> None:
        fields = {
            name: form.cleaned_data[name]
            for name in ("text", "claimant", "claim_date", "language", "priority")
        }
        tags = [tag.name for tag in form.cleaned_data.get("tags", [])]
        if change:
            original = Claim.objects.get(pk=obj.pk)
            services.claim_update(actor=request.user, claim=original, tags=tags, **fields)
        else:
            created = services.claim_create(actor=request.user, tags=tags, **fields)
            # The inline formsets were bound to ``obj``; give it the new row's identity.
            obj.pk = created.pk
            obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Tags were set by the service; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        claim = form.instance
        if formset.model is Appearance:
            apply_formset_through_services(
                request,
                formset,
                create=lambda req, a: services.appearance_add(
                    actor=req.user,
                    claim=claim,
                    source=a.source,
                    quote=a.quote,
                    appeared_on=a.appeared_on,
                    speaker=a.speaker,
                    stance=a.stance,
                    start_offset=a.start_offset,
                    end_offset=a.end_offset,
                ),
                update=lambda req, a, values: services.appearance_update(
                    actor=req.user, appearance=a, **values
                ),
                delete=lambda req, a: services.appearance_delete(actor=req.user, appearance=a),
            )
        else:
            formset.save()

    # Actions -------------------------------------------------------------------------------

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        for status in (ClaimStatus.READY, ClaimStatus.TRIAGE, ClaimStatus.NOT_CHECKABLE):
            name = f"set_status_{status.value}"
            actions[name] = (
                self._make_status_action(status),
                name,
                f"Set status: {status.label}",
            )
        return actions

    def _make_status_action(self, status: ClaimStatus) -> Any:
        def action(modeladmin: ClaimAdmin, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
            moved = 0
            for claim in queryset:
                try:
                    if services.claim_set_status(actor=request.user, claim=claim, status=status):
                        moved += 1
                except (ValidationError, PermissionDenied) as exc:
                    report_errors(modeladmin, request, str(claim), exc)
            modeladmin.message_user(request, f"{moved} claim(s) set to “{status.label}”.")

        return action


def action_form_page(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    form: forms.Form,
    *,
    title: str,
    intro: str,
    action_name: str,
    submit_label: str,
) -> TemplateResponse:
    """An intermediate page asking for the extra input an admin action needs."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "objects": queryset,
        "form": form,
        "opts": modeladmin.model._meta,
        "action_name": action_name,
        "submit_label": submit_label,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


@admin.register(Claimant)
class ClaimantAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "affiliation")
    list_filter = ("kind",)
    search_fields = ("name", "affiliation")

    def save_model(self, request: HttpRequest, obj: Claimant, form: Any, change: bool) -> None:
        fields = {k: form.cleaned_data[k] for k in ("name", "kind", "affiliation", "description")}
        if change:
            services.claimant_update(
                actor=request.user, claimant=Claimant.objects.get(pk=obj.pk), **fields
            )
        else:
            obj.pk = services.claimant_create(actor=request.user, **fields).pk
            obj.refresh_from_db()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Appearance)
class AppearanceAdmin(SimpleHistoryAdmin):
    list_display = ("quote_excerpt", "claim_link", "source", "stance", "appeared_on", "speaker")
    list_filter = ("stance",)
    list_select_related = ("claim", "source")
    search_fields = ("quote", "speaker", "claim__text", "source__title")
    autocomplete_fields = ("claim", "source")
    readonly_fields = ("created_by", "created_at")
    show_full_result_count = False

    @admin.display(description="Quote")
    def quote_excerpt(self, obj: Appearance) -> str:
        return obj.quote if len(obj.quote) <= 90 else f"{obj.quote[:87]}..."

    @admin.display(description="Claim", ordering="claim__text")
    def claim_link(self, obj: Appearance) -> str:
        return format_html('<a href="../claim/{}/change/">{}</a>', obj.claim_id, obj.claim)

    def save_model(self, request: HttpRequest, obj: Appearance, form: Any, change: bool) -> None:
        names = (
            "source",
            "quote",
            "appeared_on",
            "speaker",
            "stance",
            "start_offset",
            "end_offset",
        )
        values = {k: form.cleaned_data[k] for k in names}
        if change:
            original = Appearance.objects.get(pk=obj.pk)
            if form.cleaned_data["claim"] != original.claim:
                raise PermissionDenied("Move appearances by merging claims.")
            services.appearance_update(actor=request.user, appearance=original, **values)
        else:
            created = services.appearance_add(
                actor=request.user, claim=form.cleaned_data["claim"], **values
            )
            obj.pk = created.pk
            obj.refresh_from_db()


class DismissForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is it wrong?")


@admin.register(Flag)
class FlagAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "kind",
        "status",
        "score",
        "method",
        "claim_a",
        "claim_b",
        "created_at",
    )
    list_filter = ("status", "kind", "method")
    list_select_related = ("claim_a", "claim_b")
    search_fields = ("claim_a__text", "claim_b__text")
    show_full_result_count = False
    actions = ("confirm", "dismiss")
    readonly_fields = (
        "claim_a",
        "claim_b",
        "kind",
        "score",
        "method",
        "reasons_list",
        "engine_version",
        "status",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Why")
    def reasons_list(self, obj: Flag) -> str:
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in obj.reasons))
        )

    @admin.action(description="Confirm (a confirmed repeat merges the newer claim into the older)")
    def confirm(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        done = 0
        for flag in queryset:
            try:
                services.flag_confirm(actor=request.user, flag=flag)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                report_errors(self, request, str(flag), exc)
        self.message_user(request, f"{done} flag(s) confirmed.")

    @admin.action(description="Dismiss with a reason…")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Flag]) -> HttpResponse | None:
        form = DismissForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for flag in queryset:
                try:
                    services.flag_dismiss(
                        actor=request.user, flag=flag, reason=form.cleaned_data["reason"]
                    )
                    done += 1
                except (ValidationError, PermissionDenied) as exc:
                    report_errors(self, request, str(flag), exc)
            self.message_user(request, f"{done} flag(s) dismissed.")
            return None
        return action_form_page(
            self,
            request,
            queryset,
            form,
            title="Dismiss flags",
            intro="These flags will be dismissed; the pairs are not flagged again unless a text changes:",
            action_name="dismiss",
            submit_label="Dismiss",
        )


# Sources cannot import claims, so its admin knows nothing of appearances; this subclass takes
# its place and adds how often each source is quoted.
admin.site.unregister(Source)


@admin.register(Source)
class QuotedSourceAdmin(SourceAdmin):
    """The source's admin with its appearance count."""

    list_display = (*SourceAdmin.list_display, "appearance_count")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return (
            super().get_queryset(request).annotate(appearance_count=appearances_counted("source"))
        )

    @admin.display(description="Appearances", ordering="appearance_count")
    def appearance_count(self, obj: Source) -> int:
        return int(getattr(obj, "appearance_count", 0))
