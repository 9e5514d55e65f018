"""The editors' admin for what publishers use: API tokens, webhook endpoints and deliveries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from publishing import services, webhook_services
from publishing.models import (
    ApiScope,
    ApiToken,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


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
