"""Forms of the review queue. They validate input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from claims.models import ClaimStatus, Tag
from reviews.models import HEADLINE_MAX_LENGTH, EvidenceStance, Rating


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with browser autocomplete hints."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class QueueFilterForm(forms.Form):
    """The queue's filters and search box (GET)."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Ready for review (default)"), *ClaimStatus.choices],
    )
    tag = forms.ChoiceField(label="Tag", required=False)
    language = forms.CharField(
        label="Language",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": "e.g. en", "size": 6}),
    )

    def __init__(self, *args: object, tags: list[Tag], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["tag"].choices = [("", "Any tag"), *((t.name, t.name) for t in tags)]  # type: ignore[attr-defined]


class VerdictForm(forms.Form):
    """A draft verdict. ``revision`` is the version of the verdict the form was built from."""

    rating = forms.ChoiceField(label="Rating", choices=[("", "Choose a rating"), *Rating.choices])
    headline = forms.CharField(
        label="Headline",
        max_length=HEADLINE_MAX_LENGTH,
        help_text=f"At most {HEADLINE_MAX_LENGTH} characters.",
    )
    explanation = forms.CharField(
        label="Explanation",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown: **bold**, *italic*, [link](https://…), lists, > quotes.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class EvidenceForm(forms.Form):
    """A source gathered as evidence: where it is, what it is, and what it shows."""

    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    title = forms.CharField(label="Title", max_length=500)
    outlet = forms.CharField(label="Outlet", max_length=200, required=False)
    stance = forms.ChoiceField(label="Stance", choices=EvidenceStance.choices)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the checker", widget=forms.Textarea(attrs={"rows": 3})
    )


class CorrectionForm(VerdictForm):
    note = forms.CharField(
        label="Correction note",
        help_text="What changed and why; shown to readers with the date.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RetractForm(forms.Form):
    reason = forms.CharField(
        label="Reason for retraction", widget=forms.Textarea(attrs={"rows": 3})
    )
