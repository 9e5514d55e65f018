"""Stored analyses classify exactly as fresh ones."""

from __future__ import annotations

import itertools

from claims import engine
from claims.engine import stored

TEXTS = [
    "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance.",
    "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference performance.",
    "Huawei's Ascend 910C delivers about 90% of Nvidia H100 inference performance.",
    "Huawei's Ascend 910D is meant to rival Nvidia H100 inference performance.",
    "The US did not sign the export agreement in March 2025.",
    "The US signed the export agreement in March 2025.",
    "Exports of advanced chips to China rose in 2024.",
    "Exports of advanced chips to China fell in 2024.",
    "More than 5 million people downloaded Qwen3 in its first week.",
    "At least 4.5 million people downloaded Qwen3 by May 2025.",
    "CloudMatrix 384 is outperformed by Nvidia's NVL72 on power efficiency.",
    "Unemployment was 4% in 2023.",
]


def test_a_stored_analysis_classifies_every_pair_as_the_fresh_one():
    fresh = [engine.analyze(text) for text in TEXTS]
    loaded = [stored.loads(stored.dumps(f), f.text) for f in fresh]
    assert all(f is not None for f in loaded)
    for i, j in itertools.permutations(range(len(TEXTS)), 2):
        a, b = engine.classify(fresh[i], fresh[j]), engine.classify(loaded[i], loaded[j])
        assert (a.label, a.score, a.reasons, a.details) == (b.label, b.score, b.reasons, b.details)


def test_open_intervals_survive_the_round_trip():
    features = engine.analyze("More than 5 million people downloaded Qwen3.")
    loaded = stored.loads(stored.dumps(features))
    assert loaded is not None
    assert loaded.quantities == features.quantities
    assert any(q.high == float("inf") or q.low_open for q in loaded.quantities)


def test_another_layout_is_not_read():
    assert stored.loads('[0, ["term"]]') is None
