"""Matching of imported reviews is state in the database: a lost message is redone by beat's
sweep, and with the semantic tier reviews are embedded and paraphrases matched."""

from __future__ import annotations

import os

import pytest

from claims.engine import semantic
from claims.semantic_index import reset_cache
from claims.services import claim_create
from factchecks.models import ExternalMatch, ExternalReview, ExternalReviewEmbedding
from factchecks.semantic import review_vectors_clear
from factchecks.services import external_reviews_import
from factchecks.tasks import sweep_review_matching

from .conftest import as_stream, claim_review, data_feed

pytestmark = pytest.mark.django_db

FERRY = "The island ferry carried 12,000 passengers on its first day of service in May 2026."
# The Huawei pair of the claims' semantic tests: the words alone do not call it a repeat.
ORIGINAL = "Huawei plans to begin mass shipments of the Ascend 910C to Chinese customers in May."
PARAPHRASE = "Huawei intends to start shipping the 910C in volume to customers in China from May."


def feed(*texts):
    return as_stream(
        data_feed(
            [
                claim_review(
                    n, claimReviewed=text, name="", url=f"https://checks.example.net/r/{n}"
                )
                for n, text in enumerate(texts, start=1)
            ]
        )
    )


def test_a_lost_match_message_is_redone_by_the_sweep(
    editor, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_create(actor=editor, text=FERRY)
    # The import commits but its match_reviews message never reaches a worker.
    with django_capture_on_commit_callbacks(execute=False):
        external_reviews_import(actor=None, stream=feed(FERRY))
    assert not ExternalMatch.objects.exists()
    assert ExternalReview.objects.get().match_pending

    settings.ANALYSIS_STALE_AFTER_SECONDS = 600
    assert sweep_review_matching() == 0, "a fresh review may still be in its message"
    settings.ANALYSIS_STALE_AFTER_SECONDS = 0
    assert sweep_review_matching() == 1
    assert list(ExternalMatch.objects.values_list("claim_id", flat=True)) == [claim.pk]
    assert not ExternalReview.objects.get().match_pending
    assert sweep_review_matching() == 0


def test_an_import_without_matching_leaves_nothing_pending(settings):
    external_reviews_import(actor=None, stream=feed(FERRY), match=False)
    assert not ExternalReview.objects.get().match_pending
    settings.ANALYSIS_STALE_AFTER_SECONDS = 0
    assert sweep_review_matching() == 0


@pytest.fixture
def semantic_tier(settings):
    if not semantic.available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the semantic tier: {semantic.unavailable_reason()}")
        pytest.skip(f"semantic tier not installed outside CI: {semantic.unavailable_reason()}")
    reset_cache()
    review_vectors_clear()
    yield settings
    reset_cache()
    review_vectors_clear()


@pytest.mark.parametrize("review_first", [True, False])
def test_a_paraphrase_is_checked_elsewhere_with_the_semantic_tier(
    editor, semantic_tier, django_capture_on_commit_callbacks, review_first
):
    semantic_tier.MATCHING_SEMANTIC = "on"

    def import_review():
        with django_capture_on_commit_callbacks(execute=True):
            external_reviews_import(actor=None, stream=feed(ORIGINAL))

    def submit_claim():
        with django_capture_on_commit_callbacks(execute=True):
            return claim_create(actor=editor, text=PARAPHRASE)

    if review_first:
        import_review()
        claim = submit_claim()
    else:
        claim = submit_claim()
        import_review()
    assert ExternalReviewEmbedding.objects.count() == 1
    match = ExternalMatch.objects.get()
    assert (match.claim_id, match.method) == (claim.pk, "semantic")


def test_without_the_semantic_tier_the_paraphrase_is_only_a_lead(
    editor, settings, django_capture_on_commit_callbacks
):
    settings.MATCHING_SEMANTIC = "off"
    with django_capture_on_commit_callbacks(execute=True):
        external_reviews_import(actor=None, stream=feed(ORIGINAL))
    with django_capture_on_commit_callbacks(execute=True):
        claim_create(actor=editor, text=PARAPHRASE)
    # The only review, far ahead of none: shown as a lead, never as a repeat.
    assert list(ExternalMatch.objects.values_list("method", flat=True)) == ["lead"]
    assert not ExternalReviewEmbedding.objects.exists()


def test_the_sweep_does_not_send_a_queued_backlog_again_before_its_window(settings, private_redis):
    # A real broker and no worker: what the sweep sends stays queued, as a backlog does.
    external_reviews_import(actor=None, stream=feed(FERRY, "A second review."), match=True)
    queue = private_redis.client()
    queue.delete("celery")  # the import's own message: lost
    settings.ANALYSIS_STALE_AFTER_SECONDS = 0
    assert sweep_review_matching() == 2
    assert queue.llen("celery") == 1, "one message for the batch, not one per review"
    settings.ANALYSIS_STALE_AFTER_SECONDS = 600
    assert sweep_review_matching() == 0, "still queued: not sent again within the window"
    assert ExternalReview.objects.filter(match_pending=True).count() == 2
