"""The review queue's pages. Thin: read through selectors, write through services.

A service refusing an action (PermissionDenied) becomes a 403; a rule it enforces
(ValidationError) is shown beside the form field concerned, with everything typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from claimdesk.permissions import Action, can, is_checker, is_editor, is_staff_member
from claims.models import Claim, Tag
from desk.forms import (
    CorrectionForm,
    EvidenceForm,
    QueueFilterForm,
    RetractForm,
    ReturnForm,
    SignInForm,
    VerdictForm,
)
from desk.markdown import render_markdown
from factchecks.selectors import claim_checked_elsewhere
from reviews import selectors, services
from reviews.models import Verdict, VerdictState

View = Callable[..., HttpResponseBase]
LOGIN_URL = "queue:login"


def staff_required(view: View) -> View:
    """Signed in (else to the sign-in page) and a fact-checker or editor (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_staff_member(request.user):
            raise PermissionDenied("The review queue is for fact-checkers and editors.")
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=LOGIN_URL)


def editor_required(view: View) -> View:
    """Signed in and an editor (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_editor(request.user):
            raise PermissionDenied("Only editors can do this.")
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=LOGIN_URL)


def staff_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the decorators above guarantee it
    return request.user


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's validation errors beside the form's fields (or above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class SignInView(LoginView):
    """The queue's sign-in page; django-axes counts the failures (see settings)."""

    template_name = "desk/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("queue:index")


# The queue ---------------------------------------------------------------------------------


def _filters(data: Any) -> tuple[QueueFilterForm, selectors.QueueFilters]:
    tags = list(Tag.objects.order_by("name"))
    form = QueueFilterForm(data, tags=tags)
    if not form.is_valid():
        return form, selectors.QueueFilters()
    return form, selectors.QueueFilters(**{k: v or "" for k, v in form.cleaned_data.items()})


@staff_required
@require_GET
def queue_index(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.GET)
    page = selectors.queue_page(user=staff_user(request), filters=filters)
    return render(
        request,
        "desk/queue.html",
        {"page": page, "filter_form": form, "can_take": is_checker(request.user)},
    )


@staff_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    _, filters = _filters(request.POST)
    assignment = services.assignment_take_next(actor=request.user, filters=filters)
    if assignment is None:
        messages.info(request, "No unassigned claim matches: the queue is empty.")
        return redirect("queue:index")
    messages.success(request, f"Claim #{assignment.claim_id} is now assigned to you.")
    return redirect("queue:claim", pk=assignment.claim_id)


# The claim page ------------------------------------------------------------------------------


def _verdict_initial(verdict: Verdict | None) -> dict[str, Any]:
    if verdict is None:
        return {}
    return {
        "rating": verdict.rating,
        "headline": verdict.headline,
        "explanation": verdict.explanation,
        "revision": verdict.revision,
    }


def _claim_response(
    request: HttpRequest, pk: int, *, status: int = 200, **forms: Any
) -> HttpResponse:
    page = selectors.claim_page(pk)
    user = request.user
    current = page.current
    editable = current is not None and current.state in services.EDITABLE_VERDICT_STATES
    if current is None:
        can_write = can(user, Action.VERDICT_CREATE, page.claim)
    else:
        can_write = editable and can(user, Action.VERDICT_UPDATE, current)
    editor = is_editor(user)
    context = {
        "page": page,
        "claim": page.claim,
        "current": current,
        "can_write": can_write,
        "can_add_evidence": (
            can_write if current is None else editable and can(user, Action.EVIDENCE_ADD, current)
        ),
        "can_reuse": current is None and can_write,
        "is_editor": editor,
        "can_approve": editor
        and current is not None
        and current.state == VerdictState.SUBMITTED
        and can(user, Action.VERDICT_APPROVE, current),
        "verdict_form": forms.get("verdict_form") or VerdictForm(initial=_verdict_initial(current)),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "correction_form": forms.get("correction_form")
        or CorrectionForm(initial=_verdict_initial(current)),
        "retract_form": forms.get("retract_form") or RetractForm(),
        "stale": forms.get("stale"),
        "checked_elsewhere": claim_checked_elsewhere(pk),
    }
    return render(request, "desk/claim.html", context, status=status)


def _current_verdict(claim: Claim) -> Verdict | None:
    return claim.verdicts.exclude(state=VerdictState.RETRACTED).order_by("-created_at").first()


@staff_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_response(request, pk)


@staff_required
@require_POST
def verdict_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft ("save") or save and send it to the editors ("submit")."""
    claim = get_object_or_404(Claim, pk=pk)
    current = _current_verdict(claim)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _claim_response(request, pk, verdict_form=form)
    data = form.cleaned_data
    fields = {k: data[k] for k in ("rating", "headline", "explanation")}
    try:
        if current is None:
            verdict = services.verdict_create(actor=request.user, claim=claim, **fields)
        else:
            verdict = current
            services.verdict_update(
                actor=request.user,
                verdict=verdict,
                # A form without a revision cannot prove it saw the latest text.
                expected_revision=data["revision"] or 0,
                **fields,
            )
        if request.POST.get("action") == "submit" and verdict.state == VerdictState.DRAFT:
            services.verdict_submit(actor=request.user, verdict=verdict)
            messages.success(request, "Verdict submitted for approval.")
        elif verdict.state == VerdictState.SUBMITTED:
            messages.success(request, "Saved; the verdict is awaiting approval.")
        else:
            messages.success(request, "Draft saved.")
    except services.StaleVerdictError as exc:
        assert current is not None
        current.refresh_from_db()
        # Keep every word typed; arm the form with the new revision so that saving again,
        # after comparing, is a deliberate overwrite.
        data_copy = request.POST.copy()
        data_copy["revision"] = str(current.revision)
        form = VerdictForm(data_copy)
        form.is_valid()
        add_service_errors(form, exc)
        return _claim_response(request, pk, verdict_form=form, stale=current, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _claim_response(request, pk, verdict_form=form)
    return redirect(reverse("queue:claim", args=[pk]) + "#verdict")


@staff_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=pk)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        return _claim_response(request, pk, evidence_form=form)
    try:
        services.evidence_add_source(actor=request.user, claim=claim, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _claim_response(request, pk, evidence_form=form)
    messages.success(request, "Evidence added.")
    return redirect(reverse("queue:claim", args=[pk]) + "#evidence")


@staff_required
@require_POST
def verdict_reuse(request: HttpRequest, pk: int, verdict_pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=pk)
    original = get_object_or_404(Verdict, pk=verdict_pk)
    try:
        services.verdict_reuse(actor=request.user, claim=claim, original=original)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Draft started from the verdict on claim #{original.claim_id}; review it."
        )
    return redirect(reverse("queue:claim", args=[pk]) + "#verdict")


@staff_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The explanation as readers will see it (htmx swaps it in beside the form)."""
    return HttpResponse(render_markdown(request.POST.get("explanation", "")))


# Editors -----------------------------------------------------------------------------------


@editor_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    verdicts: QuerySet[Verdict] = selectors.awaiting_approval()
    return render(request, "desk/approvals.html", {"verdicts": verdicts[:200]})


def _editor_action(
    request: HttpRequest,
    verdict_pk: int,
    act: Callable[[Verdict], Any],
    done: str,
    form_name: str | None = None,
    form: Form | None = None,
) -> HttpResponse:
    verdict = get_object_or_404(Verdict, pk=verdict_pk)
    bound: dict[str, Any] = {form_name or "form": form}
    if form is not None and not form.is_valid():
        return _claim_response(request, verdict.claim_id, **bound)
    try:
        act(verdict)
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
        else:
            add_service_errors(form, exc)
            return _claim_response(request, verdict.claim_id, **bound)
    else:
        messages.success(request, done)
    return redirect(reverse("queue:claim", args=[verdict.claim_id]) + "#verdict")


@editor_required
@require_POST
def verdict_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor_action(
        request, pk, lambda v: services.verdict_approve(actor=request.user, verdict=v), "Approved."
    )


@editor_required
@require_POST
def verdict_return(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    return _editor_action(
        request,
        pk,
        lambda v: services.verdict_return(
            actor=request.user, verdict=v, comment=form.cleaned_data["comment"]
        ),
        "Returned to the checker with your comment.",
        "return_form",
        form,
    )


@editor_required
@require_POST
def verdict_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor_action(
        request, pk, lambda v: services.verdict_publish(actor=request.user, verdict=v), "Published."
    )


@editor_required
@require_POST
def verdict_correct(request: HttpRequest, pk: int) -> HttpResponse:
    form = CorrectionForm(request.POST)
    return _editor_action(
        request,
        pk,
        lambda v: services.verdict_correct(
            actor=request.user,
            verdict=v,
            note=form.cleaned_data["note"],
            rating=form.cleaned_data["rating"],
            headline=form.cleaned_data["headline"],
            explanation=form.cleaned_data["explanation"],
        ),
        "Correction published.",
        "correction_form",
        form,
    )


@editor_required
@require_POST
def verdict_retract(request: HttpRequest, pk: int) -> HttpResponse:
    form = RetractForm(request.POST)
    return _editor_action(
        request,
        pk,
        lambda v: services.verdict_retract(
            actor=request.user, verdict=v, reason=form.cleaned_data["reason"]
        ),
        "Verdict retracted.",
        "retract_form",
        form,
    )


# Public --------------------------------------------------------------------------------------


@require_GET
def corrections(request: HttpRequest) -> HttpResponse:
    """Every correction and retraction, dated, for readers."""
    return render(request, "desk/corrections.html", {"entries": selectors.corrections_log()[:500]})
