"""The demo seeds' flags with the semantic tier on: the repeats of the first article's second
printing and the true paraphrase are found; two claims saying opposite things are not a repeat."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from claims.engine import semantic
from claims.models import Claim, Flag, FlagKind
from claims.semantic_index import reset_cache


@pytest.fixture
def seeded(settings, django_capture_on_commit_callbacks, fresh_caches):
    if not semantic.available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the semantic tier: {semantic.unavailable_reason()}")
        pytest.skip(f"semantic tier not installed outside CI: {semantic.unavailable_reason()}")
    settings.MATCHING_SEMANTIC = "on"
    reset_cache()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_seeds")
    yield
    reset_cache()


def flags_between(kind: str) -> dict[frozenset[str], Flag]:
    keys = dict(Claim.objects.values_list("pk", "external_id"))
    return {
        frozenset((keys[f.claim_a_id], keys[f.claim_b_id])): f
        for f in Flag.objects.filter(kind=kind)
    }


SECOND_PRINTING = "-second-printing"


@pytest.mark.django_db
def test_seed_flags_with_the_semantic_tier(seeded):
    repeats = flags_between(FlagKind.REPEAT)
    printed_twice = {
        pair: flag.method
        for pair, flag in repeats.items()
        if any(key.endswith(SECOND_PRINTING) for key in pair)
        and len({key.removesuffix(SECOND_PRINTING) for key in pair}) == 1
    }
    # Every claim the first article prints twice repeats its first printing: seven found by
    # their words, two by the embeddings.
    assert len(printed_twice) == 9, sorted(map(sorted, printed_twice))
    methods = sorted(printed_twice.values())
    assert methods == ["lexical"] * 7 + ["semantic"] * 2, methods
    # A true paraphrase with few words in common.
    paraphrase = frozenset(
        ("seed:huawei-fills-nvidia-void", "seed:huawei-cambricon-fill-vacuum-003")
    )
    assert repeats[paraphrase].method == "semantic"
    # Close in embedding space (cosine about 0.87) but saying opposite things: companies using
    # the chips risk US penalties vs companies avoiding them face China's legal action.
    opposite = frozenset(("seed:bis-ascend-penalties", "seed:china-warns-complying-entities"))
    assert opposite not in repeats
    assert opposite not in flags_between(FlagKind.CONFLICT)
