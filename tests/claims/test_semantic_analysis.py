"""With the semantic tier on, analysis also flags paraphrases that share few words."""

from __future__ import annotations

import os

import pytest

from claims.analysis import semantic_enabled
from claims.engine import semantic
from claims.models import Flag, FlagKind
from claims.semantic_index import reset_cache
from claims.services import claim_create

ORIGINAL = "Huawei plans to begin mass shipments of the Ascend 910C to Chinese customers in May."
PARAPHRASE = "Huawei intends to start shipping the 910C in volume to customers in China from May."


@pytest.fixture(autouse=True)
def needs_semantic_tier():
    if not semantic.available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the semantic tier: {semantic.unavailable_reason()}")
        pytest.skip(f"semantic tier not installed outside CI: {semantic.unavailable_reason()}")
    reset_cache()
    yield
    reset_cache()


def create_both(editor, django_capture_on_commit_callbacks):
    for text in (ORIGINAL, PARAPHRASE):
        with django_capture_on_commit_callbacks(execute=True):
            claim_create(actor=editor, text=text)


def test_paraphrase_is_flagged_as_a_semantic_repeat(
    editor, settings, django_capture_on_commit_callbacks
):
    settings.MATCHING_SEMANTIC = "on"
    create_both(editor, django_capture_on_commit_callbacks)
    flag = Flag.objects.get()
    assert flag.kind == FlagKind.REPEAT
    assert flag.method == "semantic"
    assert any("embedding similarity" in reason for reason in flag.reasons), flag.reasons


def test_without_the_semantic_tier_the_words_alone_do_not_flag_it(
    editor, settings, django_capture_on_commit_callbacks
):
    settings.MATCHING_SEMANTIC = "off"
    create_both(editor, django_capture_on_commit_callbacks)
    assert not Flag.objects.exists()


def test_auto_means_on_in_a_worker_process_only(settings, monkeypatch):
    settings.MATCHING_SEMANTIC = "auto"
    assert not semantic_enabled()  # a web process, a command, a test running tasks eagerly
    monkeypatch.setattr("claimdesk.celery._in_worker", True)  # what worker_init sets
    assert semantic_enabled()
