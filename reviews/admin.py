"""The editors' admin for assignments, verdicts and evidence, and the review side of the
claim's admin page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from claims.admin import (
    ClaimAdmin,
    action_form_page,
    apply_formset_through_services,
    report_errors,
)
from claims.models import Claim
from claims.roles import FACT_CHECKERS
from claims.selectors import FlagRow
from reviews import services
from reviews.models import OPEN_ASSIGNMENT_STATES, Assignment, Evidence, Rating, Verdict
from reviews.selectors import claim_flags_rated, claim_list_reviewed

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


# The claim's page with its review ------------------------------------------------------


class AssignmentInline(admin.TabularInline[Assignment, Claim]):
    model = Assignment
    extra = 0
    fields = ("reviewer", "state", "due_on", "assigned_by", "created_at")
    readonly_fields = ("assigned_by", "created_at")
    autocomplete_fields = ("reviewer",)
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return super().get_queryset(request).select_related("reviewer", "assigned_by")


class VerdictInline(admin.TabularInline[Verdict, Claim]):
    model = Verdict
    extra = 0
    fields = ("headline", "rating", "state", "version", "author", "approver", "published_at")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        return super().get_queryset(request).select_related("author", "approver")


class RatingFilter(admin.SimpleListFilter):
    title = "rating"
    parameter_name = "rating"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("none", "No verdict yet"), *Rating.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        verdicts = Verdict.objects.filter(claim=OuterRef("pk"))
        if value == "none":
            return queryset.filter(~Exists(verdicts))
        return queryset.filter(Exists(verdicts.filter(rating=value)))


class ReviewerFilter(admin.SimpleListFilter):
    title = "reviewer"
    parameter_name = "reviewer"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        checkers = User.objects.filter(groups__name=FACT_CHECKERS).order_by("username")
        return [("none", "Unassigned"), *((str(u.pk), u.username) for u in checkers)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        open_assignments = Assignment.objects.filter(
            claim=OuterRef("pk"), state__in=OPEN_ASSIGNMENT_STATES
        )
        if value == "none":
            return queryset.filter(~Exists(open_assignments))
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(Exists(open_assignments.filter(reviewer_id=int(value))))


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        queryset=User.objects.filter(groups__name=FACT_CHECKERS, is_active=True).order_by(
            "username"
        ),
        label="Fact-checker",
    )
    due_on = forms.DateField(
        required=False, label="Due on", widget=forms.DateInput(attrs={"type": "date"})
    )


# Claims registers the claim's admin without the review domain (it may not import reviews);
# this subclass takes its place with the rating, the reviewer, assignments and verdicts.
admin.site.unregister(Claim)


@admin.register(Claim)
class ReviewedClaimAdmin(ClaimAdmin):
    """The claim's admin: claims' own page plus its review (rating, reviewer, assignments,
    verdicts and the assign action)."""

    list_display = (
        "short_text",
        "claimant",
        "status",
        "priority",
        "rating",
        "reviewer",
        "appearance_count",
        "open_flags",
        "created_at",
    )
    list_filter = ("status", "priority", RatingFilter, ReviewerFilter, "language", "tags")
    inlines = (*ClaimAdmin.inlines, AssignmentInline, VerdictInline)
    actions = ("assign_to_checker",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return claim_list_reviewed(super().get_queryset(request))

    def flag_rows(self, claim: Claim) -> list[FlagRow]:
        return claim_flags_rated(claim)

    @admin.display(description="Rating")
    def rating(self, obj: Claim) -> str:
        value = getattr(obj, "published_rating", None)
        if value:
            return Rating(value).label
        draft = getattr(obj, "draft_rating", None)
        return f"({Rating(draft).label}, not published)" if draft else "—"

    @admin.display(description="Reviewer", ordering="reviewer_username")
    def reviewer(self, obj: Claim) -> str:
        return getattr(obj, "reviewer_username", None) or "—"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Assignment:
            super().save_formset(request, form, formset, change)
            return
        claim = form.instance
        apply_formset_through_services(
            request,
            formset,
            create=lambda req, a: services.assignment_create(
                actor=req.user, claim=claim, reviewer=a.reviewer, due_on=a.due_on
            ),
            update=lambda req, a, values: services.assignment_update(
                actor=req.user,
                assignment=a,
                **{k: v for k, v in values.items() if k in ("state", "due_on")},
            ),
        )

    @admin.action(description="Assign to a fact-checker…")
    def assign_to_checker(
        self, request: HttpRequest, queryset: QuerySet[Claim]
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            form = AssignForm(request.POST)
            if form.is_valid():
                done = 0
                for claim in queryset:
                    try:
                        services.assignment_create(
                            actor=request.user,
                            claim=claim,
                            reviewer=form.cleaned_data["reviewer"],
                            due_on=form.cleaned_data["due_on"],
                        )
                        done += 1
                    except (ValidationError, PermissionDenied) as exc:
                        report_errors(self, request, str(claim), exc)
                self.message_user(
                    request, f"{done} claim(s) assigned to {form.cleaned_data['reviewer']}."
                )
                return None
        else:
            form = AssignForm()
        return action_form_page(
            self,
            request,
            queryset,
            form,
            title="Assign claims to a fact-checker",
            intro=f"These {queryset.count()} claim(s) will be assigned and move into review:",
            action_name="assign_to_checker",
            submit_label="Assign",
        )
