"""The editors' ingest pages: hand in a source, then go through its candidate sentences.

Thin like the queue's views: reads through ``ingest.selectors``, writes through
``ingest.services``; a refusal shows beside its field, a decision answers an htmx request
with the candidate's updated row.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.models import Claim
from desk.views import add_service_errors, staff_required, staff_user
from ingest import selectors, services
from ingest.extract import max_bytes
from ingest.models import Candidate, IngestState
from sources.models import Source


class IngestForm(forms.Form):
    """One of: pasted text, a file, or a URL (fetched by a worker)."""

    title = forms.CharField(required=False, max_length=500)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 10}))
    file = forms.FileField(required=False, help_text=".txt, .md, .html or .pdf")
    url = forms.URLField(required=False, max_length=2000, label="URL", assume_scheme="https")


@staff_required
@require_http_methods(["GET", "POST"])
def source_new(request: HttpRequest) -> HttpResponseBase:
    form = IngestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        submitted = services.Submitted(
            text=form.cleaned_data["text"],
            url=form.cleaned_data["url"],
            title=form.cleaned_data["title"],
            file_name=upload.name if upload else "",
            # One byte past the cap: an over-size upload is refused without reading it all.
            file_data=upload.read(max_bytes() + 1) if upload else None,
        )
        try:
            ingest, _created = services.ingest_submit(
                actor=staff_user(request), submitted=submitted
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if ingest.state == IngestState.DONE and ingest.source_id:
                return redirect("queue:source", pk=ingest.source_id)
            messages.info(request, "The page is being fetched; it appears below when it is in.")
            return redirect("queue:source_new")
    return render(
        request,
        "desk/source_new.html",
        {"form": form, "ingests": selectors.recent_ingests()},
        status=400 if form.errors else 200,
    )


@staff_required
@require_GET
def source_page(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    minimum = services.threshold() if request.GET.get("all") != "1" else 0.0
    return render(
        request,
        "desk/source.html",
        {
            "source": source,
            "pieces": selectors.body_pieces(source, minimum=minimum),
            "candidates": selectors.ranked_candidates(source, minimum=minimum),
            "showing_all": minimum == 0.0,
            "threshold": services.threshold(),
        },
    )


@staff_required
@require_POST
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate.objects.select_related("source"), pk=pk)
    action = request.POST.get("action", "")
    actor = staff_user(request)
    error = ""
    try:
        if action == "accept":
            services.candidate_accept(
                actor=actor,
                candidate=candidate,
                text=request.POST.get("text", ""),
                claimant_name=request.POST.get("claimant", ""),
            )
        elif action == "appearance":
            claim = get_object_or_404(Claim, pk=request.POST.get("claim") or 0)
            services.candidate_accept_as_appearance(actor=actor, candidate=candidate, claim=claim)
        elif action == "reject":
            services.candidate_reject(
                actor=actor, candidate=candidate, reason=request.POST.get("reason", "")
            )
        else:
            error = "Choose accept, accept as an appearance, or reject."
    except ValidationError as exc:
        error = " ".join(exc.messages)
    candidate.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "desk/_candidate.html",
            {"c": candidate, "error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    return redirect("queue:source", pk=candidate.source_id)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@staff_required
@require_POST
def candidates_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Bulk accept of the ticked candidates; a ticked "claimant" box confirms the name the
    sentence credits (the single Accept form is where a name is edited)."""
    source = get_object_or_404(Source, pk=pk)
    chosen = _ids(request.POST.getlist("candidate"))
    confirmed = set(_ids(request.POST.getlist("confirm_claimant")))
    guesses = Candidate.objects.filter(source=source, pk__in=confirmed & set(chosen))
    claimants = {c.pk: c.attributed_to for c in guesses}
    try:
        done = services.candidates_accept_many(
            actor=staff_user(request), source=source, candidate_ids=chosen, claimants=claimants
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Accepted {len(done)} sentence{'s' if len(done) != 1 else ''}.")
    return redirect("queue:source", pk=source.pk)
