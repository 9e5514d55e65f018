"""The batch pre-check on the mirror's arrays keeps exactly the pairs ``could_flag`` keeps.

It counts on arrays what the classifier's overlap and subject comparison need, so every
kind of pair the classifier tells apart is exercised here: repeats, other figures, another
model code, a swapped name, a negation, posts, and claims sharing a word or two. Claims are
checked both as a loaded mirror holds them (flat arrays) and as indexed after the load.
"""

from __future__ import annotations

import itertools

import pytest

from claims import analysis, engine
from claims.analysis import claims_index, index_mirror
from claims.analysis.mirror import loaded_mirror
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_caches")]

SUBJECTS = ("Huawei's Ascend 910C", "Huawei's Ascend 910D", "Nvidia's H100", "Nvidia's H20")
PREDICATES = (
    "delivers about 60% of the H100's inference performance",
    "delivers roughly 90 percent of H100 inference speed",
    "does not deliver 60% of the H100's inference performance",
    "was banned from export to China in April 2025",
)
SENTENCES = (
    "Unemployment in France was 4% in 2023.",
    "Unemployment in Germany was 4% in 2023.",
    "Unemployment in France was 6% in 2021.",
    "Exports from France rose 5% in March.",
    "Exports from France fell 5% in March.",
    "Qwen3 beats DeepSeek R1 at coding, Alibaba says https://t.co/x #ai @alibaba",
    "Alibaba released Qwen3 under an open licence in April 2025.",
    "The senator signed the climate bill on Tuesday.",
    "The senator did not sign the climate bill.",
    "A completely different sentence about the weather.",
    # One side names a model code, the other none; a name swap in wording that differs more.
    "Huawei's Ascend chip delivers about 60% of the H100's inference performance.",
    "Youth unemployment in Spain was 4% in 2023, the ministry said on Monday.",
    "Unemployment in Italy was 4% in 2023, the ministry said.",
    "Italy and Spain both reported unemployment of 4% in 2023.",
    "Unemployment in France and Spain was 4% in 2023.",
)
TEXTS = [f"{s} {p}." for s, p in itertools.product(SUBJECTS, PREDICATES)] + list(SENTENCES)


def pairs_kept(queries, ranked, mirror):
    limits = analysis.thresholds()
    postings = mirror.postings(cid for found in ranked.values() for cid, _ in found)
    return {
        key: [
            cid
            for cid, _ in ranked[key]
            if cid in postings and analysis.could_flag(queries[key], postings[cid], limits)
        ]
        for key in queries
    }


def check_every_pair(claims, *, loaded):
    queries = {c.pk: engine.analyze(c.text) for c in claims}
    ranked = analysis.rank_many(((pk, f, pk) for pk, f in queries.items()), k=len(claims))
    if loaded:
        # Loaded afresh and not replayed again (inside the test's transaction a replay would
        # read every claim back as indexed after the load).
        analysis.analysis_caches_clear()
        mirror = index_mirror()
        assert not mirror._state.docs, "every claim is in the loaded arrays"
    else:
        mirror = loaded_mirror()
        assert set(mirror._state.docs) >= {c.pk for c in claims[len(claims) // 2 :]}
    expected = pairs_kept(queries, ranked, mirror)
    assert analysis.flaggable(queries, ranked, analysis.thresholds()) == expected
    # Not a vacuous comparison: some pairs are kept and most are not.
    kept = sum(map(len, expected.values()))
    assert 0 < kept < sum(map(len, ranked.values())) / 2


def test_the_arrays_keep_what_could_flag_keeps_for_loaded_claims():
    claims = [ClaimFactory(text=text) for text in TEXTS]
    claims_index(claim_ids=[c.pk for c in claims])
    check_every_pair(claims, loaded=True)


def test_the_arrays_keep_what_could_flag_keeps_for_claims_indexed_after_the_load():
    first = [ClaimFactory(text=text) for text in TEXTS[::2]]
    claims_index(claim_ids=[c.pk for c in first])
    analysis.analysis_caches_clear()
    index_mirror()
    later = [ClaimFactory(text=text) for text in TEXTS[1::2]]
    claims_index(claim_ids=[c.pk for c in later])
    check_every_pair(first + later, loaded=False)


def test_an_unindexed_candidate_is_left_out():
    claim = ClaimFactory(text=TEXTS[0])
    features = engine.analyze(TEXTS[1])
    assert analysis.flaggable({1: features}, {1: [(claim.pk, 1.0)]}, analysis.thresholds()) == {
        1: []
    }
