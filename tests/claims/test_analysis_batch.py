"""Ranking a batch of claims in one statement gives what ranking them one at a time gives."""

from __future__ import annotations

import pytest

from claims import analysis, engine
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_caches")]

POOL = (
    "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance.",
    "Huawei's Ascend 910D is meant to rival Nvidia H100 inference performance.",
    "Alibaba released Qwen3 under an open licence in April 2025.",
    "Qwen3 outperforms DeepSeek R1 on most coding benchmarks, Alibaba says.",
    "The US tightened export controls on advanced AI chips to China in 2025.",
    "Tencent's Hunyuan 3D model was downloaded more than 1.6 million times.",
    "Nvidia's H20 chip was designed to comply with US export rules.",
)
QUERIES = (
    "Ascend 910C reaches roughly 60 percent of the H100's inference speed.",
    "Alibaba's Qwen3 beats DeepSeek R1 at coding, the company claims.",
    "Washington tightened chip export controls on China.",
    "Nothing here shares a single word with the pool.",
)


@pytest.fixture
def pool():
    claims = [ClaimFactory(text=text) for text in POOL]
    analysis.claims_index(claim_ids=[c.pk for c in claims])
    return claims


def one_at_a_time(k):
    return {
        i: analysis.claim_candidates(features=engine.analyze(text), exclude_id=None, k=k)
        for i, text in enumerate(QUERIES)
    }


def test_a_batch_ranks_each_query_as_it_would_alone(pool):
    alone = one_at_a_time(k=3)
    together = analysis.rank_many(
        ((i, engine.analyze(text), None) for i, text in enumerate(QUERIES)), k=3
    )
    assert together == alone
    assert together[3] == []
    assert alone[0][0][0] == pool[0].pk


def test_a_claim_is_never_its_own_candidate(pool):
    ranked = analysis.rank_many(((c.pk, engine.analyze(c.text), c.pk) for c in pool[:3]), k=10)
    for claim in pool[:3]:
        assert claim.pk not in {cid for cid, _ in ranked[claim.pk]}
        assert ranked[claim.pk], "each pool claim shares words with another"
