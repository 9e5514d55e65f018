"""Forms of the flag review pages. They validate input; the claims services decide and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from claims.models import FlagKind, FlagStatus, Tag

# Why an editor dismisses a flag: the common cases first, so that the decision report can be
# read by reason; "other" needs the free text.
DISMISS_REASONS: list[tuple[str, str]] = [
    ("different_subject", "Different subjects"),
    ("compatible", "The statements are compatible"),
    ("another_time", "Another time or place"),
    ("misread", "The matcher misread the text"),
    ("not_same", "Related, but not the same claim"),
    ("other", "Other (say why)"),
]

STATUS_CHOICES = [("", "Open (default)"), *FlagStatus.choices, ("all", "All")]
SORT_CHOICES = [("score", "Highest score first"), ("newest", "Newest first")]


class FlagFilterForm(forms.Form):
    """The flag list's filters (GET). Everything optional; bad values are field errors."""

    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *FlagKind.choices]
    )
    method = forms.ChoiceField(
        label="Method",
        required=False,
        choices=[
            ("", "Any method"),
            ("lexical", "Lexical"),
            ("semantic", "Semantic"),
            ("verdict", "Verdict"),
        ],
    )
    min_score = forms.FloatField(label="Score from", required=False, min_value=0, max_value=1)
    max_score = forms.FloatField(label="Score to", required=False, min_value=0, max_value=1)
    tag = forms.ChoiceField(label="Tag", required=False)
    mine = forms.BooleanField(label="Passed to me", required=False)
    claim = forms.IntegerField(label="Claim #", required=False, min_value=1)
    sort = forms.ChoiceField(label="Order", required=False, choices=SORT_CHOICES)

    def __init__(self, *args: object, tags: list[Tag], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["tag"].choices = [("", "Any tag"), *((t.name, t.name) for t in tags)]  # type: ignore[attr-defined]
        for name in ("min_score", "max_score"):
            self.fields[name].widget.attrs.update({"step": "0.05", "size": 5})

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        low, high = data.get("min_score"), data.get("max_score")
        if isinstance(low, float) and isinstance(high, float) and low > high:
            self.add_error("max_score", "The upper bound is below the lower one.")
        return data


class DismissForm(forms.Form):
    """Dismissing a flag: a reason from the list, and free text (required for "other")."""

    # Three forms share the page: ids of their own keep each label on its field.
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "dismiss_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose a reason"), *DISMISS_REASONS])
    note = forms.CharField(
        label="Details", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("reason") == "other" and not str(data.get("note", "")).strip():
            self.add_error("note", "Say why the flag is wrong.")
        return data

    def resolution(self) -> str:
        """The resolution note the service stores: the reason's label, then the details."""
        label = dict(DISMISS_REASONS)[self.cleaned_data["reason"]]
        note = self.cleaned_data["note"].strip()
        return f"{label}: {note}" if note else label


class ConfirmForm(forms.Form):
    """Confirming a flag, with an optional note."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "confirm_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    note = forms.CharField(label="Note", required=False, max_length=1000)


class NotSureForm(forms.Form):
    """Passing an open flag to another editor, with what you are unsure about."""

    assigned_to = forms.ModelChoiceField(label="Pass to", queryset=User.objects.none())
    assignment_note = forms.CharField(
        label="What are you unsure about?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, editors: list[User], **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "notsure_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[e.pk for e in editors])
        # The choices come from the list already read, not from another query.
        field.choices = [("", "Choose an editor"), *((e.pk, e.get_username()) for e in editors)]
