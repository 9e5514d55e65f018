"""The optional semantic tier: encoder, vector search, rank fusion and evaluation with it.

Needs the ``semantic`` extra (``pip install '.[semantic]'``).  Outside CI these tests skip
with a message when it is missing; in CI (``CI`` set) they fail instead, since CI installs it.
"""

import os

import pytest

from claims.engine import analyze, classify, semantic
from claims.engine.evaluate import evaluate_pairs, evaluate_repeats


def require_semantic():
    if semantic.available():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must test the semantic tier: {semantic.unavailable_reason()}")
    pytest.skip(f"semantic tier {semantic.unavailable_reason()}")


def test_fusion_prefers_claims_both_rankings_agree_on():
    lexical = [("a", 9.0), ("b", 5.0), ("c", 1.0)]
    near = [("d", 0.9), ("b", 0.8), ("c", 0.7)]
    fused = [doc for doc, _ in semantic.fuse_rankings(lexical, near, k=4)]
    assert fused[0] == "b"
    assert set(fused) == {"a", "b", "c", "d"}


def test_fusion_weight_tilts_towards_the_semantic_ranking():
    lexical = [("a", 9.0), ("b", 5.0)]
    near = [("b", 0.9), ("a", 0.1)]
    plain = {"rrf_k": 60.0, "score_weight": 0.0}
    assert semantic.fuse_rankings(lexical, near, k=1, semantic_weight=2.0, **plain)[0][0] == "b"
    assert semantic.fuse_rankings(lexical, near, k=1, semantic_weight=0.5, **plain)[0][0] == "a"


def test_fusion_cosine_share_breaks_ties_by_closeness():
    lexical = [("a", 9.0), ("b", 5.0)]
    near = [("b", 0.95), ("a", 0.2)]
    tie = semantic.fuse_rankings(lexical, near, k=2, semantic_weight=1.0, score_weight=0.0)
    assert tie[0][1] == pytest.approx(tie[1][1])
    assert semantic.fuse_rankings(lexical, near, k=1, semantic_weight=1.0)[0][0] == "b"


def test_vector_index_searches_upserts_and_excludes():
    require_semantic()
    np = semantic.np
    index = semantic.VectorIndex()
    index.upsert(1, np.array([1.0, 0.0, 0.0]))
    index.upsert(2, np.array([0.0, 1.0, 0.0]))
    index.upsert(3, np.array([0.6, 0.8, 0.0]))
    hits = index.search(np.array([1.0, 0.0, 0.0]), k=2)
    assert [doc for doc, _ in hits] == [1, 3]
    assert hits[0][1] == pytest.approx(1.0)
    assert [doc for doc, _ in index.search(np.array([1.0, 0.0, 0.0]), k=2, exclude=[1])] == [3, 2]
    index.upsert(1, np.array([0.0, 0.0, 1.0]))
    assert len(index) == 3
    assert index.search(np.array([0.0, 0.0, 1.0]), k=1)[0][0] == 1


def test_encoder_returns_unit_float32_rows_that_rank_paraphrases_higher():
    require_semantic()
    np = semantic.np
    vectors = semantic.encode(
        [
            "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance.",
            "The 910C chip from Huawei reaches roughly 60 percent of the H100's inference speed.",
            "Unemployment in Spain fell to 11% in 2024.",
        ]
    )
    assert vectors.shape == (3, semantic.DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert semantic.cosine(vectors[0], vectors[1]) > semantic.cosine(vectors[0], vectors[2]) + 0.3
    assert semantic.encode([]).shape == (0, semantic.DIMENSIONS)


def test_high_cosine_turns_a_low_overlap_paraphrase_into_a_repeat():
    require_semantic()
    a = "Alibaba's Qwen3 is a hybrid reasoning model that can switch between slow, deliberate reasoning and fast answers."
    b = "Alibaba's Qwen3 is a hybrid reasoning model able to switch between deep thinking and quick responses."
    fa, fb = analyze(a), analyze(b)
    vectors = semantic.encode([a, b])
    cos = semantic.cosine(vectors[0], vectors[1])
    assert classify(fa, fb).label == "compatible"
    result = classify(fa, fb, similarity=cos)
    assert result.label == "repeat", result.reasons
    assert any("embedding similarity" in r for r in result.reasons)


def test_numbers_still_decide_conflicts_with_the_semantic_tier():
    require_semantic()
    a = "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance."
    b = "Huawei's Ascend 910C delivers about 90% of Nvidia H100 inference performance."
    vectors = semantic.encode([a, b])
    result = classify(analyze(a), analyze(b), similarity=semantic.cosine(vectors[0], vectors[1]))
    assert result.label == "conflict", result.reasons


def test_evaluation_runs_with_the_semantic_tier():
    require_semantic()
    claims = {
        "c1": "A photograph shows a shark swimming on a flooded highway after a hurricane.",
        "c2": "The city council voted to ban plastic bags in supermarkets.",
        "c3": "Drinking hot water cures the flu.",
    }
    queries = {"q1": "Unbelievable pic: a great white cruising down the interstate after the storm"}
    qrels = {"q1": {"c1"}}
    lexical = evaluate_repeats(claims, queries, qrels, k=3)
    fused = evaluate_repeats(claims, queries, qrels, k=3, encoder=semantic.encode)
    assert fused["map@1"] == 1.0
    assert fused["map@1"] >= lexical["map@1"]
    pairs = [
        {"a": claims["c3"], "b": "Hot water is a cure for influenza.", "label": "repeat"},
        {"a": claims["c3"], "b": claims["c2"], "label": "unrelated"},
    ]
    predictions = []
    report = evaluate_pairs(pairs, encoder=semantic.encode, predictions=predictions)
    assert [p["predicted"] for p in predictions] == ["repeat", "unrelated"]
    assert report["overall"]["repeat"]["f1"] == 1.0
