"""Stored claim embeddings and the semantic candidate search over them.

Needs the ``semantic`` extra: skips with a message outside CI when it is missing, fails in CI.
"""

import os

import pytest

from claims import semantic_index
from claims.engine import semantic
from claims.models import ClaimEmbedding, ClaimStatus
from tests.factories import ClaimFactory

PARAPHRASE_A = "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance."
PARAPHRASE_B = "The 910C chip from Huawei reaches roughly 60 percent of the H100's inference speed."
OTHER = "The city council voted to ban plastic bags in supermarkets."


@pytest.fixture(autouse=True)
def semantic_tier():
    if not semantic.available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the semantic tier: {semantic.unavailable_reason()}")
        pytest.skip(f"semantic tier {semantic.unavailable_reason()}")
    # Each test starts from an empty in-process matrix, as a fresh worker would.
    semantic_index.reset_cache()
    yield
    semantic_index.reset_cache()


def embed(text, **kwargs):
    claim = ClaimFactory(text=text, **kwargs)
    embedding = semantic_index.claim_embed(claim=claim)
    return claim, embedding


def query(text):
    return semantic.encode([text])[0]


def test_claim_embed_stores_a_float32_vector_once_per_text(db):
    claim, embedding = embed(PARAPHRASE_A)
    assert embedding.model_name == semantic.MODEL_NAME
    assert embedding.dimensions == semantic.DIMENSIONS
    assert len(bytes(embedding.vector)) == 4 * semantic.DIMENSIONS
    vector = semantic_index.embedding_vector(embedding)
    assert semantic.cosine(vector, query(PARAPHRASE_A)) == pytest.approx(1.0, abs=1e-4)

    again = semantic_index.claim_embed(claim=claim)
    assert again.pk == embedding.pk
    assert again.updated_at == embedding.updated_at  # unchanged text: not recomputed

    claim.text = OTHER
    claim.save()
    changed = semantic_index.claim_embed(claim=claim)
    assert ClaimEmbedding.objects.filter(claim=claim).count() == 1
    assert changed.text_hash == semantic_index.embedding_text_hash(OTHER)
    assert semantic.cosine(semantic_index.embedding_vector(changed), query(OTHER)) > 0.99


def test_semantic_candidates_rank_the_paraphrase_first_and_skip_the_claim_itself(db):
    first, _ = embed(PARAPHRASE_A)
    second, _ = embed(PARAPHRASE_B)
    embed(OTHER)
    hits = semantic_index.semantic_candidates(vector=query(PARAPHRASE_B), exclude_id=second.pk, k=2)
    assert hits[0][0] == first.pk
    assert second.pk not in [claim_id for claim_id, _ in hits]
    assert hits[0][1] > hits[1][1]
    assert len(hits) == 2


def test_merged_and_deleted_claims_are_not_candidates(db):
    kept, _ = embed(OTHER)
    embed(PARAPHRASE_A, status=ClaimStatus.MERGED, canonical=kept)
    deleted, _ = embed(PARAPHRASE_B)
    semantic_index.semantic_candidates(vector=query(OTHER), exclude_id=None, k=3)  # build cache
    deleted.delete()
    hits = semantic_index.semantic_candidates(vector=query(PARAPHRASE_A), exclude_id=None, k=3)
    assert [claim_id for claim_id, _ in hits] == [kept.pk]


def test_cache_catches_up_with_claims_stored_after_it_was_built(db):
    embed(OTHER)
    assert semantic_index.semantic_candidates(vector=query(PARAPHRASE_A), exclude_id=None, k=1)
    late, _ = embed(PARAPHRASE_A)
    hits = semantic_index.semantic_candidates(vector=query(PARAPHRASE_B), exclude_id=None, k=1)
    assert hits[0][0] == late.pk


def test_cache_catches_up_with_a_row_committed_with_an_earlier_timestamp(db):
    first, _ = embed(OTHER)
    semantic_index.semantic_candidates(vector=query(OTHER), exclude_id=None, k=1)
    # A worker stamped this row before the cache's newest row but committed it afterwards.
    slow, _ = embed(PARAPHRASE_A)
    newest = ClaimEmbedding.objects.get(claim=first).updated_at
    ClaimEmbedding.objects.filter(claim=slow).update(
        updated_at=newest - semantic_index.CATCH_UP_OVERLAP / 2
    )
    hits = semantic_index.semantic_candidates(vector=query(PARAPHRASE_B), exclude_id=None, k=1)
    assert hits[0][0] == slow.pk


def test_cache_sees_a_changed_vector(db):
    claim, _ = embed(OTHER)
    semantic_index.semantic_candidates(vector=query(OTHER), exclude_id=None, k=1)
    claim.text = PARAPHRASE_A
    claim.save()
    semantic_index.claim_embed(claim=claim)
    ((claim_id, score),) = semantic_index.semantic_candidates(
        vector=query(PARAPHRASE_A), exclude_id=None, k=1
    )
    assert claim_id == claim.pk
    assert score > 0.99
