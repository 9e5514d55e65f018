"""Typo tolerance: a misspelt query word is looked up one edit away in the index vocabulary,
so the claim it was meant to find still ranks first; correctly spelt queries rank as before."""

from __future__ import annotations

import random

import pytest

from claims import analysis, engine
from claims.analysis import typos
from tests.factories import ClaimFactory

POOL = (
    "The Kestrel reservoir supplies drinking water to 80,000 homes.",
    "The city reservoir supplies drinking water to 50,000 homes in winter.",
    "Drinking water from the reservoir reaches homes across the valley.",
    "Greywater recycling cut household water use by a fifth in Tarvik.",
    "The Marrow valley orchards export apples to twelve countries.",
    "Apples from the valley orchards are exported to many countries, growers say.",
)


def test_one_edit_covers_deletions_insertions_replacements_and_swaps():
    found = typos.one_edit("water")
    assert {"wate", "watter", "wader", "awter", "watre"} <= found
    assert "water" not in found
    assert "wadder" not in found  # two edits away


def test_only_words_are_expanded_not_figures_codes_or_short_words():
    assert typos.eligible("reservoir")
    assert not typos.eligible("910c")
    assert not typos.eligible("2025")
    assert not typos.eligible("cat")


def test_variants_prefer_the_most_frequent_spelling_and_skip_the_querys_own_terms():
    freqs = {"water": 40, "wafer": 2, "later": 9, "wader": 1, "waters": 5}

    def known(terms: set[str]) -> dict[str, int]:
        return {t: freqs[t] for t in terms if t in freqs}

    assert typos.variants("watr", known, exclude=set()) == ["water"]
    assert typos.variants("wafter", known, exclude=set()) == ["water", "wafer"]
    assert typos.variants("wafter", known, exclude={"water"}) == ["wafer"]


def test_misspell_is_reproducible_and_follows_its_rate():
    text = "Unemployment in the northern region rose sharply during the winter months."
    once = typos.misspell(text, rate=0.5, rng=random.Random(7))
    assert once == typos.misspell(text, rate=0.5, rng=random.Random(7))
    assert once != text
    assert typos.misspell(text, rate=0.0, rng=random.Random(7)) == text
    every = typos.misspell(text, rate=1.0, rng=random.Random(7)).split()
    words = text.split()
    # Every word of three letters or more is changed (a swap of two equal letters aside).
    changed = [a != b for a, b in zip(words, every, strict=True) if len(a.strip(".")) >= 3]
    assert sum(changed) >= len(changed) - 1


@pytest.fixture
def pool(db, fresh_caches):
    claims = [ClaimFactory(text=text) for text in POOL]
    analysis.claims_index(claim_ids=[c.pk for c in claims])
    return claims


def ranked(text: str, *, tolerant: bool, exclude: int | None = None) -> list[int]:
    features = engine.analyze(text)
    found = analysis.claim_candidates(
        features=features, exclude_id=exclude, k=5, typo_tolerant=tolerant
    )
    return [claim_id for claim_id, _score in found]


def scores(text: str, *, tolerant: bool) -> dict[int, float]:
    found = analysis.claim_candidates(
        features=engine.analyze(text), exclude_id=None, k=5, typo_tolerant=tolerant
    )
    return dict(found)


def test_a_misspelt_name_still_finds_its_claim(pool):
    query = "The Kestral reservoir suplies drinking water to homes."
    on = scores(query, tolerant=True)
    assert on[pool[0].pk] > max(v for pk, v in on.items() if pk != pool[0].pk)
    # Without the tolerance the misspelt name counts for nothing: another reservoir claim,
    # sharing as many correctly spelt words, scores as high.
    off = scores(query, tolerant=False)
    assert off[pool[0].pk] <= max(v for pk, v in off.items() if pk != pool[0].pk)


def test_a_misspelt_claim_being_analysed_finds_its_original(pool):
    # The analysed claim is in the index itself: a term only it holds is still expanded.
    typo = ClaimFactory(text="The Marow valley orchads export apples to twelve countries.")
    analysis.claims_index(claim_ids=[typo.pk])
    assert ranked(typo.text, tolerant=True, exclude=typo.pk)[0] == pool[4].pk


def test_correctly_spelt_queries_rank_exactly_as_without_the_tolerance(pool):
    for text in (*POOL, "Reservoir homes", "Valley orchards export apples"):
        features = engine.analyze(text)
        on = analysis.claim_candidates(features=features, exclude_id=None, k=5)
        off = analysis.claim_candidates(
            features=features, exclude_id=None, k=5, typo_tolerant=False
        )
        assert on == off
