"""The flags of a set of claims are a function of their texts, not of the order or batching of
their analysis: the same claims analysed one by one in shuffled orders, in batches of several
sizes and all at once end with the same flags, and analysing everything again changes nothing.
"""

from __future__ import annotations

import random

import pytest

from claims import analysis
from claims.analysis import claim_analyze, claims_analyze
from claims.models import AnalysisState, Claim, Flag, FlagKind
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_caches")]

# Groups of a claim, a reworded repeat of it and a claim contradicting it, with a few claims
# on the same subjects that neither repeat nor contradict them (another year, another fact).
GROUPS = (
    (
        "The Solvang bridge carried 42,000 vehicles a day in 2019.",
        "In 2019 the Solvang bridge carried about 42,000 vehicles a day.",
        "The Solvang bridge carried 65,000 vehicles a day in 2019.",
    ),
    (
        "The Harwick library lent 310,000 books in 2022.",
        "In 2022 the Harwick library lent 310,000 books.",
        "The Harwick library lent 120,000 books in 2022.",
    ),
    (
        "Kalden Airlines carried 7.5 million passengers in 2023.",
        "In 2023, Kalden Airlines carried 7.5 million passengers.",
        "Kalden Airlines carried 2.1 million passengers in 2023.",
    ),
    (
        "The Ressa vaccine trial enrolled 12,000 volunteers in 2021.",
        "In 2021 the Ressa vaccine trial enrolled about 12,000 volunteers.",
        "The Ressa vaccine trial enrolled 3,000 volunteers in 2021.",
    ),
    (
        "The Drava wind farm produces 480 megawatts of power.",
        "The Drava wind farm produces about 480 megawatts of power.",
        "The Drava wind farm produces 120 megawatts of power.",
    ),
    (
        "Castell city council approved a 3% rise in property tax for 2026.",
        "For 2026 Castell city council approved a 3% rise in property tax.",
        "Castell city council approved a 7% rise in property tax for 2026.",
    ),
    (
        "The Ostmark museum welcomed 1.2 million visitors in 2018.",
        "In 2018 the Ostmark museum welcomed 1.2 million visitors.",
        "The Ostmark museum welcomed 400,000 visitors in 2018.",
    ),
    (
        "Lake Tessel lost 18% of its surface area between 2000 and 2020.",
        "Between 2000 and 2020 Lake Tessel lost 18% of its surface area.",
        "Lake Tessel lost 35% of its surface area between 2000 and 2020.",
    ),
    (
        "Pinehurst schools will ban mobile phones in classrooms from 2025.",
        "From 2025 Pinehurst schools will ban mobile phones in classrooms.",
        "Pinehurst schools will not ban mobile phones in classrooms from 2025.",
    ),
    (
        "Marten County's unemployment rate fell to 4.2% in March 2024.",
        "In March 2024 Marten County's unemployment rate fell to 4.2%.",
        "Marten County's unemployment rate fell to 6.8% in March 2024.",
    ),
    (
        "The Velden tunnel cost 2.4 billion euros to build.",
        "Building the Velden tunnel cost 2.4 billion euros.",
        "The Velden tunnel cost 900 million euros to build.",
    ),
    (
        "Norrby port handled 3.3 million containers in 2020.",
        "In 2020 Norrby port handled 3.3 million containers.",
        "Norrby port handled 5.9 million containers in 2020.",
    ),
)
OTHERS = (
    "Kalden Airlines carried 6.9 million passengers in 2021.",
    "The Solvang bridge was closed for repairs in 1998.",
    "The Ostmark museum reopened after renovation in 2016.",
    "Norrby port handled 2.8 million containers in 2015.",
    "The Harwick library opened a second branch in 2010.",
    "Rainfall in the Drava valley was the lowest on record last summer.",
)
TEXTS = tuple(text for group in GROUPS for text in group) + OTHERS

FlagSet = frozenset[tuple[str, frozenset[str]]]


def make_claims() -> list[Claim]:
    """The claims, freshly created, with no index, analysis nor flag left from a run before."""
    Claim.objects.all().delete()
    analysis.analysis_caches_clear()
    for text in TEXTS:
        ClaimFactory(text=text, analysis_state=AnalysisState.PENDING)
    return list(Claim.objects.order_by("pk"))


def flag_set() -> FlagSet:
    """The flags by kind and unordered pair of texts, so runs with other ids compare."""
    texts = dict(Claim.objects.values_list("pk", "text"))
    return frozenset(
        (kind, frozenset((texts[a], texts[b])))
        for a, b, kind in Flag.objects.values_list("claim_a_id", "claim_b_id", "kind")
    )


def flag_rows() -> list[tuple[object, ...]]:
    return list(
        Flag.objects.order_by("pk").values_list(
            "pk", "claim_a_id", "claim_b_id", "kind", "score", "method", "reasons", "status"
        )
    )


def assert_analysing_again_changes_nothing(claims: list[Claim]) -> None:
    before, history = flag_rows(), Flag.history.count()
    claims_analyze(claim_ids=[c.pk for c in claims])
    for claim in reversed(claims):
        claim_analyze(claim_id=claim.pk)
    assert flag_rows() == before
    assert Flag.history.count() == history


@pytest.mark.parametrize("candidates", [analysis.CANDIDATES, 3])
def test_shuffled_orders_and_batches_give_the_same_flags(candidates, monkeypatch):
    # With few candidates a claim's ranking is crowded: which pairs it brings up then
    # depends on what was indexed before it, and the flags must not.
    monkeypatch.setattr("claims.analysis.pipeline.CANDIDATES", candidates)
    runs: dict[str, FlagSet] = {}
    for seed in range(4):
        claims = make_claims()
        random.Random(seed).shuffle(claims)
        for claim in claims:
            claim_analyze(claim_id=claim.pk)
        runs[f"one by one, order {seed}"] = flag_set()
        assert_analysing_again_changes_nothing(claims)
    for size in (1, 5, 13, len(TEXTS)):
        claims = make_claims()
        random.Random(size).shuffle(claims)
        claims_analyze(claim_ids=[c.pk for c in claims], batch_size=size)
        runs[f"batches of {size}"] = flag_set()
        assert_analysing_again_changes_nothing(claims)

    reference = runs["one by one, order 0"]
    assert {name: found for name, found in runs.items() if found != reference} == {}
    kinds = [kind for kind, _pair in reference]
    # Every group's repeat and contradiction is found, not just the same nothing every time.
    assert kinds.count(FlagKind.REPEAT) >= len(GROUPS) - 1
    assert kinds.count(FlagKind.CONFLICT) >= len(GROUPS) - 1
    assert (FlagKind.REPEAT, frozenset(GROUPS[0][:2])) in reference
    assert (FlagKind.CONFLICT, frozenset((GROUPS[0][0], GROUPS[0][2]))) in reference
