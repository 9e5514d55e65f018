"""Who a sentence credits: the guess the Accept form is prefilled with."""

from __future__ import annotations

import pytest

from ingest.attribution import attributed_to
from ingest.services import claimant_kind


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("According to Barclays, AI inference will be 70% of demand by 2026.", "Barclays"),
        ("Zhang argues that this position is deliberate.", "Zhang"),
        ("Eric Schmidt, the former head of Google, said Qwen is close to o1.", "Eric Schmidt"),
        ("“We will win,” said Dr. Jane Lee.", "Dr. Jane Lee"),
        ("The Bank of England said inflation fell to 2.1%.", "Bank of England"),
        ("NVIDIA\u2019s chief Jensen Huang told reporters sales rose.", "Jensen Huang"),
        ("In the U.S. the Fed said rates would rise.", "Fed"),
        # Vague or pronoun attributions name no one: the source speaks in its own voice.
        ("Analysts say Chinese AI models could catch up within months.", ""),
        ("He said they perform at a level close to OpenAI's o1.", ""),
        ("Qwen3 has been downloaded more than 300 million times.", ""),
    ],
)
def test_attribution(sentence, name):
    assert attributed_to(sentence) == name


def test_claimant_kind_guess():
    assert claimant_kind("Bank of England") == "organisation"
    assert claimant_kind("Bureau of Industry and Security") == "organisation"
    assert claimant_kind("Jane Lee") == "person"
