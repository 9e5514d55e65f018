"""Importing ClaimReview: every format, re-imports, corrections, and whole rejection."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from factchecks import services
from factchecks.models import ExternalReview, NormalisedRating
from factchecks.services import ImportRejected, external_reviews_import

from .conftest import as_stream, claim_review, data_feed

pytestmark = pytest.mark.django_db


def run(data, **kwargs):
    return external_reviews_import(actor=None, stream=as_stream(data), match=False, **kwargs)


def test_data_commons_feed_imports_every_item_with_its_fields():
    result = run(data_feed([claim_review(n) for n in range(3)]))
    assert result.counts() == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    review = ExternalReview.objects.get(url="https://checks.example.net/review/1")
    assert review.publisher_name == "Example Checks"
    assert review.publisher_site == "checks.example.net"
    assert review.claimant == "A Harbour Master"
    assert str(review.claim_date) == "2026-02-20"
    assert review.appearance_urls == ["https://social.example.org/p/1"]
    assert (review.rating_label, review.rating_value) == ("False", 1.0)
    assert review.normalised_rating == NormalisedRating.FALSE
    assert review.raw["claimReviewed"].startswith("Harbour town 1")
    assert review.terms, "the review is indexed at import"


def test_json_ld_single_array_and_html_page():
    assert run(claim_review(1)).created == 1
    assert run([claim_review(2), claim_review(3), {"@type": "WebPage"}]).created == 2
    page = (
        "<html><head><script type='application/ld+json'>"
        + json.dumps({"@type": "NewsArticle", "headline": "not ours"})
        + '</script><script type="application/ld+json">'
        + json.dumps({"@graph": [claim_review(4), {"@type": "BreadcrumbList"}]})
        + "</script></head><body>text</body></html>"
    )
    assert run(page).created == 1
    assert ExternalReview.objects.count() == 4


def test_google_claims_search_response():
    body = {
        "claims": [
            {
                "text": "The old lighthouse was sold for one euro.",
                "claimant": "A local blog",
                "claimDate": "2026-01-02T00:00:00Z",
                "claimReview": [
                    {
                        "publisher": {"name": "Coast Checks", "site": "coastchecks.example"},
                        "url": "https://coastchecks.example/lighthouse?utm_source=x",
                        "title": "Lighthouse sold for one euro?",
                        "reviewDate": "2026-01-05T00:00:00Z",
                        "textualRating": "Mostly False",
                        "languageCode": "en",
                    }
                ],
            }
        ],
        "nextPageToken": "abc",
    }
    assert run(body).created == 1
    review = ExternalReview.objects.get()
    assert review.url == "https://coastchecks.example/lighthouse"
    assert review.publisher_site == "coastchecks.example"
    assert review.normalised_rating == NormalisedRating.MOSTLY_FALSE
    assert str(review.date_published) == "2026-01-05"


def _csv(rows):
    out = io.StringIO()
    columns = [
        "claimReview_claimReviewed",
        "claimReview_url",
        "claimReview_datePublished",
        "claimReview_author_name",
        "rating_alternateName",
        "rating_ratingValue",
        "rating_bestRating",
        "rating_worstRating",
        "creativeWork_author_name",
    ]
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def test_claimskg_csv():
    text = _csv(
        [
            [
                "Bridge tolls doubled overnight.",
                "https://a.example/1",
                "2025-05-01",
                "A",
                "TRUE",
                "",
                "",
                "",
                "X",
            ],
            [
                "Schools closed for a month.",
                "https://a.example/2",
                "2025-05-02",
                "A",
                "mixture",
                "3",
                "5",
                "1",
                "",
            ],
        ]
    )
    assert run(text).created == 2
    ratings = dict(ExternalReview.objects.values_list("url", "normalised_rating"))
    assert ratings == {"https://a.example/1": "true", "https://a.example/2": "mixed"}


def test_reimport_unchanged_writes_nothing():
    feed = data_feed([claim_review(n) for n in range(5)])
    run(feed)
    history = ExternalReview.history.count()
    stamps = list(ExternalReview.objects.order_by("id").values_list("updated_at", flat=True))
    result = run(feed)
    assert result.counts() == {"created": 0, "updated": 0, "unchanged": 5, "rejected": 0}
    assert ExternalReview.history.count() == history
    assert (
        list(ExternalReview.objects.order_by("id").values_list("updated_at", flat=True)) == stamps
    )


def test_corrected_rating_updates_the_review_and_keeps_history():
    run(data_feed([claim_review(1), claim_review(2)]))
    corrected = claim_review(
        1,
        dateModified="2026-04-01T10:00:00Z",
        reviewRating={
            "@type": "Rating",
            "ratingValue": 4,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Mostly true",
        },
    )
    result = run(data_feed([corrected, claim_review(2)]))
    assert result.counts() == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    review = ExternalReview.objects.get(url="https://checks.example.net/review/1")
    assert review.normalised_rating == NormalisedRating.MOSTLY_TRUE
    assert list(
        review.history.order_by("history_date").values_list("normalised_rating", flat=True)
    ) == [
        "false",
        "mostly_true",
    ]


def test_malformed_item_rejects_the_whole_feed_with_its_path(monkeypatch):
    # Small batches, so valid items were already written when the bad one is read.
    monkeypatch.setattr(services, "IMPORT_BATCH", 5)
    items = [claim_review(n) for n in range(20)]
    items[17]["reviewRating"] = {"ratingValue": 9, "bestRating": 5, "worstRating": 1}
    with pytest.raises(ImportRejected) as caught:
        run(data_feed(items))
    assert str(caught.value).startswith("dataFeedElement[17].item[0]: reviewRating: ratingValue 9")
    assert ExternalReview.objects.count() == 0
    assert ExternalReview.history.count() == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"url": "ftp://nowhere"}, "dataFeedElement[2].item[0]: url:"),
        ({"claimReviewed": ""}, "dataFeedElement[2].item[0]: claimReviewed:"),
        ({"datePublished": "last Tuesday"}, "dataFeedElement[2].item[0]: datePublished:"),
        ({"reviewRating": "False"}, "dataFeedElement[2].item[0]: reviewRating:"),
    ],
)
def test_each_kind_of_bad_field_is_named(change, where):
    items = [claim_review(n) for n in range(4)]
    items[2].update(change)
    with pytest.raises(ImportRejected, match=where.replace("[", r"\[").replace("]", r"\]")):
        run(data_feed(items))
    assert not ExternalReview.objects.exists()


def test_bad_csv_line_and_broken_json_are_rejected():
    text = _csv([["A claim.", "https://a.example/1", "2025-05-01", "A", "x", "", "", "", ""]])
    text += "Another claim.,https://a.example/2,05/02/2025,A,x,,,,\n"
    with pytest.raises(ImportRejected, match=r"^line 3: datePublished"):
        run(text)
    with pytest.raises(ImportRejected, match="not valid JSON"):
        run('{"dataFeedElement": [{"item": [' + json.dumps(claim_review(1)) + ", {")
    assert not ExternalReview.objects.exists()


def test_only_editors_import(checker, editor):
    with pytest.raises(PermissionDenied):
        external_reviews_import(actor=checker, stream=as_stream(claim_review(1)), match=False)
    assert (
        external_reviews_import(
            actor=editor, stream=as_stream(claim_review(1)), match=False
        ).created
        == 1
    )


def test_command_prints_counts_last_and_rejects(tmp_path, capsys):
    good = tmp_path / "feed.json"
    good.write_text(json.dumps(data_feed([claim_review(n) for n in range(3)])))
    call_command("import_claimreviews", str(good), "--publisher", "Harbour Checks", "--no-match")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert set(ExternalReview.objects.values_list("publisher_name", flat=True)) == {
        "Harbour Checks"
    }
    bad = tmp_path / "bad.json"
    items = [claim_review(n) for n in range(3)]
    del items[1]["url"]
    bad.write_text(json.dumps(data_feed(items)))
    with pytest.raises(CommandError):
        call_command("import_claimreviews", str(bad), "--no-match")
    captured = capsys.readouterr()
    assert "dataFeedElement[1].item[0]: url: required" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["created"] == 0


def test_external_reviews_api_filters_for_staff(editor, publisher):
    from rest_framework.test import APIClient

    from publishing.services import api_token_create

    run(
        data_feed(
            [
                claim_review(1),
                claim_review(2, inLanguage="de", reviewRating={"alternateName": "Richtig"}),
                claim_review(
                    3,
                    author={"name": "Other Desk", "url": "https://other.example"},
                    reviewRating={"ratingValue": 5, "bestRating": 5, "worstRating": 1},
                ),
            ]
        )
    )
    clients = {}
    for user in (editor, publisher):
        _, token = api_token_create(actor=None, user=user, name="t", scopes=("read",))
        clients[user.username] = APIClient()
        clients[user.username].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api = clients["editor"]

    def urls(query=""):
        response = api.get(f"/api/v1/external-reviews/{query}")
        assert response.status_code == 200, response.content
        return sorted(r["url"].rsplit("/", 1)[-1] for r in response.json()["results"])

    assert urls() == ["1", "2", "3"]
    assert urls("?publisher=other.example") == ["3"]
    assert urls("?rating=true") == ["3"]
    assert urls("?language=DE") == ["2"]
    assert urls("?updated_since=2999-01-01T00:00:00Z") == []
    assert api.get("/api/v1/external-reviews/?rating=nonsense").status_code == 400
    assert clients["publisher"].get("/api/v1/external-reviews/").status_code == 403


def test_admin_upload_imports_and_reports_a_rejection(editor, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(editor)
    url = "/admin/factchecks/externalreview/import/"
    assert client.get(url).status_code == 200
    good = SimpleUploadedFile("feed.json", json.dumps(data_feed([claim_review(1)])).encode())
    response = client.post(url, {"file": good, "format": "", "publisher": ""}, follow=True)
    assert "Imported: " in response.content.decode()
    assert ExternalReview.objects.count() == 1
    items = [claim_review(2), claim_review(3)]
    items[1]["datePublished"] = "soon"
    bad = SimpleUploadedFile("bad.json", json.dumps(data_feed(items)).encode())
    page = client.post(url, {"file": bad, "format": "", "publisher": ""}).content.decode()
    assert "Rejected, nothing written: dataFeedElement[1].item[0]: datePublished" in page
    assert ExternalReview.objects.count() == 1


def test_label_table_per_outlet_overrides_the_default(editor):
    from factchecks.models import RatingLabel
    from factchecks.services import rating_label_save

    rating_label_save(
        actor=editor,
        label=RatingLabel(
            publisher_site="WWW.Checks.Example.NET", label="  Wrong  ", normalised="mixed"
        ),
    )
    run(
        data_feed(
            [
                claim_review(1, reviewRating={"alternateName": "Wrong"}),
                claim_review(
                    2,
                    author={"name": "Elsewhere", "url": "https://elsewhere.example"},
                    reviewRating={"alternateName": "WRONG"},
                ),
                claim_review(3, reviewRating={"alternateName": "Something new"}),
            ]
        )
    )
    ratings = dict(ExternalReview.objects.values_list("url", "normalised_rating"))
    assert ratings == {
        "https://checks.example.net/review/1": "mixed",
        "https://checks.example.net/review/2": "false",
        "https://checks.example.net/review/3": "other",
    }


def test_new_reviews_get_a_created_history_row_by_the_importer(editor):
    external_reviews_import(
        actor=editor, stream=as_stream(data_feed([claim_review(1), claim_review(2)])), match=False
    )
    rows = list(
        ExternalReview.history.order_by("id").values_list(
            "id", "history_type", "history_user", "history_change_reason", "normalised_rating"
        )
    )
    ids = list(ExternalReview.objects.order_by("id").values_list("id", flat=True))
    assert rows == [(pk, "+", editor.pk, "Imported", "false") for pk in ids]
    review = ExternalReview.objects.get(url="https://checks.example.net/review/2")
    assert review.imported_at == review.updated_at
    assert review.raw == claim_review(2)
