"""The editors' admin for assignments, verdicts and evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claims.admin import apply_formset_through_services, report_errors
from reviews import services
from reviews.models import Assignment, Evidence, Verdict

CONTENT_FIELDS = ("rating", "headline", "explanation")


class EvidenceInline(admin.TabularInline[Evidence, Verdict]):
    model = Evidence
    extra = 0
    fields = ("source", "stance", "note", "added_by")
    readonly_fields = ("added_by",)
    autocomplete_fields = ("source",)
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        return super().get_queryset(request).select_related("source", "added_by")


def _refuse_evidence_edit(request: HttpRequest, evidence: Evidence, values: dict[str, Any]) -> None:
    raise PermissionDenied("Evidence is kept as recorded; add a new item instead.")


@admin.register(Verdict)
class VerdictAdmin(SimpleHistoryAdmin):
    list_display = (
        "headline",
        "claim",
        "rating",
        "state",
        "version",
        "author",
        "approver",
        "published_at",
    )
    list_filter = ("state", "rating")
    list_select_related = ("claim", "author", "approver")
    search_fields = ("headline", "claim__text")
    autocomplete_fields = ("claim",)
    show_full_result_count = False
    inlines = (EvidenceInline,)
    actions = ("approve", "publish")
    fields = (
        "claim",
        *CONTENT_FIELDS,
        "state",
        "version",
        "author",
        "approver",
        "published_at",
        "correction_note",
        "corrected_at",
        "retraction_reason",
    )
    _always_readonly = (
        "state",
        "version",
        "author",
        "approver",
        "published_at",
        "correction_note",
        "corrected_at",
        "retraction_reason",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Verdict | None = None) -> Any:
        if obj is None:
            return self._always_readonly
        # Published verdicts change only through a correction, which keeps the old version.
        if obj.state not in services.EDITABLE_VERDICT_STATES:
            return ("claim", *CONTENT_FIELDS, *self._always_readonly)
        return ("claim", *self._always_readonly)

    def save_model(self, request: HttpRequest, obj: Verdict, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in CONTENT_FIELDS if k in form.cleaned_data}
        if change:
            if values:
                services.verdict_update(
                    actor=request.user, verdict=Verdict.objects.get(pk=obj.pk), **values
                )
        else:
            created = services.verdict_create(
                actor=request.user, claim=form.cleaned_data["claim"], **values
            )
            obj.pk = created.pk
            obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        verdict = form.instance
        apply_formset_through_services(
            request,
            formset,
            create=lambda req, e: services.evidence_add(
                actor=req.user, verdict=verdict, source=e.source, stance=e.stance, note=e.note
            ),
            update=_refuse_evidence_edit,
        )

    def _run(
        self, request: HttpRequest, queryset: QuerySet[Verdict], step: Any, label: str
    ) -> None:
        done = 0
        for verdict in queryset:
            try:
                step(actor=request.user, verdict=verdict)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                report_errors(self, request, verdict.headline, exc)
        self.message_user(request, f"{done} verdict(s) {label}.")

    @admin.action(description="Approve selected verdicts")
    def approve(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> None:
        self._run(request, queryset, services.verdict_approve, "approved")

    @admin.action(description="Publish selected verdicts")
    def publish(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> None:
        self._run(request, queryset, services.verdict_publish, "published")


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("claim", "reviewer", "state", "due_on", "assigned_by", "created_at")
    list_filter = ("state",)
    list_select_related = ("claim", "reviewer", "assigned_by")
    search_fields = ("claim__text", "reviewer__username")
    autocomplete_fields = ("claim", "reviewer")
    readonly_fields = ("assigned_by", "created_at", "updated_at")
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Assignment | None = None) -> Any:
        if obj is not None:
            return ("claim", "reviewer", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        if change:
            values = {
                k: form.cleaned_data[k] for k in ("state", "due_on") if k in form.cleaned_data
            }
            services.assignment_update(
                actor=request.user, assignment=Assignment.objects.get(pk=obj.pk), **values
            )
        else:
            created = services.assignment_create(
                actor=request.user,
                claim=form.cleaned_data["claim"],
                reviewer=form.cleaned_data["reviewer"],
                due_on=form.cleaned_data.get("due_on"),
            )
            obj.pk = created.pk
            obj.refresh_from_db()
