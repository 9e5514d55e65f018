"""The editors' admin for assignments, verdicts and evidence."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from claims.admin import apply_formset_through_services, report_errors
from reviews import services, webhook_services
from reviews.models import (
    ApiScope,
    ApiToken,
    Assignment,
    Evidence,
    Verdict,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

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


class ApiTokenForm(forms.ModelForm[ApiToken]):
    scope_choices = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiScope.choices,
        initial=[ApiScope.READ],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Editors issue tokens (the token is shown once, in the confirmation message) and revoke
    them; a token is never edited or deleted, so its history says who used what when."""

    list_display = ("name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scopes",)
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    actions = ("revoke_tokens",)
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ("user", "name", "scope_choices")

    # Who may issue and revoke is the editors' model permissions (claims.roles); the services
    # check the rule table again on every write.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return
        created, token = services.api_token_create(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scope_choices"],
        )
        obj.pk = created.pk
        obj.prefix = created.prefix
        self.message_user(
            request,
            format_html(
                "Token for {}: <code>{}</code> — copy it now, it is not shown again.",
                created.user,
                token,
            ),
            messages.WARNING,
        )

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            services.api_token_revoke(actor=request.user, api_token=token) for token in queryset
        )
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    """Publishers register endpoints through the API; editors see them and who owns them."""

    list_display = ("url", "user", "events", "created_at", "disabled_at")
    list_select_related = ("user",)
    search_fields = ("url", "user__username")
    readonly_fields = ("user", "url", "events", "created_at", "disabled_at", "disabled_reason")
    # Only ciphertext is stored, and even that stays out of the admin's pages.
    exclude = ("encrypted_secret",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class WebhookAttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "error", "duration_ms")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """Every delivery with its attempts; failed ones can be replayed (same webhook-id)."""

    list_display = (
        "msg_id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)
    search_fields = ("msg_id", "endpoint__url")
    readonly_fields = (
        "endpoint",
        "change",
        "msg_id",
        "event",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    )
    inlines = (WebhookAttemptInline,)
    actions = ("replay",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Replay selected deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            webhook_services.webhook_delivery_replay(actor=request.user, delivery=delivery)
        self.message_user(request, f"Replaying {queryset.count()} delivery(ies).", messages.SUCCESS)
