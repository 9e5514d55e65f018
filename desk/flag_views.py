"""Flag review for editors: the open flags, and one flag with both claims side by side.

Thin like the queue's views: reads through ``desk.flag_selectors``, every decision through
the claims services (which check the permission again and keep the history).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from claims import services
from claims.models import Flag, FlagKind, FlagStatus, Tag
from desk.flag_forms import ConfirmForm, DismissForm, FlagFilterForm, NotSureForm
from desk.flag_selectors import FlagFilters, flag_list, flag_page
from desk.highlight import highlight_pair
from desk.views import add_service_errors, editor_required, staff_user


def _filters(request: HttpRequest) -> tuple[FlagFilterForm, FlagFilters]:
    form = FlagFilterForm(request.GET, tags=list(Tag.objects.order_by("name")))
    if not form.is_valid():
        return form, FlagFilters()
    data = form.cleaned_data
    return form, FlagFilters(
        status=data["status"] or FlagStatus.OPEN,
        kind=data["kind"],
        method=data["method"],
        min_score=data["min_score"],
        max_score=data["max_score"],
        tag=data["tag"],
        assigned_to=staff_user(request).pk if data["mine"] else None,
        claim=data["claim"],
        sort=data["sort"] or "score",
    )


@editor_required
@require_GET
def flags_index(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = flag_list(filters=filters, page=page_number)
    query = request.GET.copy()
    query.pop("page", None)
    status = 400 if form.errors else 200
    return render(
        request,
        "desk/flags.html",
        {"page": page, "filter_form": form, "filters": filters, "query": query.urlencode()},
        status=status,
    )


def _flag_response(
    request: HttpRequest, pk: int, *, status: int = 200, **forms: Any
) -> HttpResponse:
    try:
        page = flag_page(pk, viewer=staff_user(request))
    except Flag.DoesNotExist:
        raise Http404("No such flag.") from None
    flag = page.flag
    marked = highlight_pair(
        page.a.claim.text, page.b.claim.text, details=flag.details, reasons=list(flag.reasons)
    )
    context = {
        "page": page,
        "flag": flag,
        "marked": marked,
        "is_open": flag.status == FlagStatus.OPEN,
        "is_repeat": flag.kind == FlagKind.REPEAT,
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "not_sure_form": forms.get("not_sure_form") or NotSureForm(editors=page.editors),
    }
    return render(request, "desk/flag.html", context, status=status)


@editor_required
@require_GET
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_response(request, pk)


def _after_decision(request: HttpRequest, flag: Flag, done: str) -> HttpResponse:
    messages.success(request, done)
    if request.POST.get("then") == "next":
        page = flag_page(flag.pk, viewer=staff_user(request))
        if page.next_id is not None:
            return redirect("desk:flag", pk=page.next_id)
    return redirect("desk:flag", pk=flag.pk)


def _decide(
    request: HttpRequest, pk: int, form: Form, form_name: str, act: Any, done: str
) -> HttpResponse:
    flag = get_object_or_404(Flag, pk=pk)
    if not form.is_valid():
        return _flag_response(request, pk, status=400, **{form_name: form})
    try:
        act(flag, form)
    except ValidationError as exc:
        add_service_errors(form, exc)
        if form.non_field_errors():
            # Such as "decided already": the forms may be gone from the page, so say it on top.
            messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
        return _flag_response(request, pk, status=400, **{form_name: form})
    return _after_decision(request, flag, done)


@editor_required
@require_POST
def flag_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(Flag.objects.only("kind"), pk=pk)
    done = (
        "Repeat confirmed: the newer claim is merged into the older."
        if flag.kind == FlagKind.REPEAT
        else "Conflict confirmed."
    )
    return _decide(
        request,
        pk,
        ConfirmForm(request.POST),
        "confirm_form",
        lambda f, form: services.flag_confirm(
            actor=request.user, flag=f, note=form.cleaned_data["note"]
        ),
        done,
    )


@editor_required
@require_POST
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        DismissForm(request.POST),
        "dismiss_form",
        lambda f, form: services.flag_dismiss(actor=request.user, flag=f, reason=form.resolution()),
        "Flag dismissed.",
    )


@editor_required
@require_POST
def flag_not_sure(request: HttpRequest, pk: int) -> HttpResponse:
    page = flag_page(pk, viewer=staff_user(request))
    form = NotSureForm(request.POST, editors=page.editors)
    return _decide(
        request,
        pk,
        form,
        "not_sure_form",
        lambda f, form: services.flag_assign(
            actor=request.user,
            flag=f,
            assignee=form.cleaned_data["assigned_to"],
            note=form.cleaned_data["assignment_note"],
        ),
        "Passed on; the flag stays open.",
    )
