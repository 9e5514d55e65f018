"""A source's URL is normalised and unique; constraints hold in the database itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sources.models import Source
from sources.normalize import normalize_url
from sources.services import source_create, source_get_or_create, source_update


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTPS://News.Example.org:443/a/b/?utm_source=x&b=2&a=1#top",
            "https://news.example.org/a/b?a=1&b=2",
        ),
        ("http://example.org", "http://example.org/"),
        ("https://example.org:8443/x?fbclid=abc", "https://example.org:8443/x"),
    ],
)
def test_urls_are_normalised(raw, expected):
    assert normalize_url(raw) == expected


def test_duplicate_url_is_rejected_even_when_written_differently(editor):
    source_create(actor=editor, title="First", url="https://example.org/story?utm_medium=social")
    with pytest.raises(ValidationError) as excinfo:
        source_create(actor=editor, title="Second", url="HTTPS://EXAMPLE.ORG/story/")
    assert "url" in excinfo.value.message_dict
    assert Source.objects.count() == 1


def test_database_refuses_duplicate_url_written_around_the_service(db):
    Source.objects.create(title="A", url="https://example.org/x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(title="B", url="https://example.org/x")


def test_sources_without_url_may_coexist(editor):
    source_create(actor=editor, title="Broadcast one")
    source_create(actor=editor, title="Broadcast two")
    assert Source.objects.filter(url="").count() == 2


def test_non_http_url_gives_a_field_error(editor):
    with pytest.raises(ValidationError) as excinfo:
        source_create(actor=editor, title="Bad", url="ftp://example.org/file")
    assert "http" in excinfo.value.message_dict["url"][0]


def test_get_or_create_finds_the_normalised_url(editor):
    first, created = source_get_or_create(actor=editor, url="https://example.org/a/", title="A")
    again, created_again = source_get_or_create(
        actor=editor, url="https://EXAMPLE.org/a", title="A2"
    )
    assert created and not created_again
    assert again.pk == first.pk


def test_content_hash_follows_the_body(editor):
    source = source_create(actor=editor, title="Body", body="Some  text\nhere")
    original = source.content_hash
    assert len(original) == 64
    source_update(actor=editor, source=source, body="Some text here")
    assert source.content_hash == original  # whitespace-only change
    source_update(actor=editor, source=source, body="Other text")
    assert source.content_hash != original


def test_checker_may_add_but_not_edit_sources(checker):
    source = source_create(actor=checker, title="Found by a checker")
    with pytest.raises(PermissionDenied):
        source_update(actor=checker, source=source, title="Renamed")


def test_outsider_cannot_add_sources(outsider):
    with pytest.raises(PermissionDenied):
        source_create(actor=outsider, title="Nope")


def test_source_history_records_who_changed_what(editor):
    source = source_create(actor=editor, title="Original title")
    source_update(actor=editor, source=source, title="New title")
    latest, first = list(source.history.order_by("-history_id"))
    assert latest.history_user == editor
    assert latest.history_change_reason == "Changed title"
    assert first.title == "Original title"
