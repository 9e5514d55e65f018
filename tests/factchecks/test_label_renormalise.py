"""An editor's change to the rating label table re-normalises the reviews already stored."""

from __future__ import annotations

import pytest

from factchecks.models import ExternalReview, RatingLabel
from factchecks.services import external_reviews_import, rating_label_save

from .conftest import as_stream, claim_review, data_feed

pytestmark = pytest.mark.django_db

OWN = "https://checks.example.net/review/1"
ELSEWHERE = "https://elsewhere.example/review/2"
NUMERIC = "https://checks.example.net/review/3"


@pytest.fixture
def stored():
    items = [
        claim_review(1, reviewRating={"alternateName": "Wrong"}),
        claim_review(
            2,
            url=ELSEWHERE,
            author={"name": "Elsewhere", "url": "https://elsewhere.example"},
            reviewRating={"alternateName": "WRONG"},
        ),
        # A number with its scale decides whatever the words say.
        claim_review(
            3,
            reviewRating={
                "alternateName": "Wrong",
                "ratingValue": 5,
                "bestRating": 5,
                "worstRating": 1,
            },
        ),
    ]
    external_reviews_import(actor=None, stream=as_stream(data_feed(items)), match=False)


def ratings():
    return dict(ExternalReview.objects.values_list("url", "normalised_rating"))


def test_an_outlet_row_renormalises_that_outlets_reviews_only(editor, stored):
    assert ratings() == {OWN: "false", ELSEWHERE: "false", NUMERIC: "true"}
    before = ExternalReview.objects.get(url=OWN).updated_at

    rating_label_save(
        actor=editor,
        label=RatingLabel(publisher_site="checks.example.net", label="Wrong", normalised="mixed"),
    )

    assert ratings() == {OWN: "mixed", ELSEWHERE: "false", NUMERIC: "true"}
    review = ExternalReview.objects.get(url=OWN)
    assert review.updated_at > before
    history = list(
        review.history.order_by("history_date").values_list(
            "normalised_rating", "history_change_reason", "history_user"
        )
    )
    assert history == [
        ("false", "Imported", None),
        ("mixed", "Label table changed: wrong", editor.pk),
    ]


def test_a_corrected_default_row_reaches_every_other_outlet(editor, stored):
    rating_label_save(
        actor=editor,
        label=RatingLabel(publisher_site="checks.example.net", label="wrong", normalised="mixed"),
    )
    default = RatingLabel.objects.get(publisher_site="", label="wrong")
    default.normalised = "mostly_false"
    rating_label_save(actor=editor, label=default)

    assert ratings() == {OWN: "mixed", ELSEWHERE: "mostly_false", NUMERIC: "true"}
    assert ExternalReview.objects.get(url=NUMERIC).history.count() == 1
