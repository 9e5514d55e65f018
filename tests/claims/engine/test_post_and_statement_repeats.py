"""Repeats between a social-media post and a claim, and between two edited statements.

A post carries a claim among chatter, so it repeats the claim when it covers enough of it;
two statements repeat each other only when they say the same thing, not merely when they
are on the same topic and share many words.
"""

import pytest

from claims.engine import analyze, classify


def label(a: str, b: str, **kwargs) -> str:
    return classify(analyze(a), analyze(b), **kwargs).label


POST = (
    "Can't believe this!! Lisbon really spent 300 million euros on that new bridge "
    "#lisbon #waste https://t.co/abc123 — Rita (@rita_pt) May 3, 2024"
)
CLAIM = "The new bridge in Lisbon cost 300 million euros."


def test_post_markup_is_detected():
    assert analyze(POST).is_post
    assert analyze("Follow @desk for more").is_post
    assert not analyze(CLAIM).is_post


def test_a_post_carrying_the_claim_among_chatter_is_a_repeat():
    result = classify(analyze(POST), analyze(CLAIM))
    assert result.label == "repeat", result.reasons
    assert result.details["post"] is True
    assert any("post" in r for r in result.reasons)


def test_extra_text_blocks_a_statement_but_not_a_post():
    longer = (
        "Lisbon spent 300 million euros on the new bridge while schools and hospitals across "
        "Portugal wait for repairs and teachers strike over pay"
    )
    statement = classify(analyze(longer + "."), analyze(CLAIM))
    assert statement.label == "compatible"
    assert any("one side says more" in r for r in statement.reasons)
    assert label(longer + " #portugal https://t.co/q1", CLAIM) == "repeat"


def test_a_post_stating_another_figure_is_not_a_repeat():
    post = "Lisbon spent 900 million euros on the new bridge!! #lisbon https://t.co/x1"
    assert label(post, CLAIM) in {"conflict", "compatible"}


def test_a_random_post_is_unrelated():
    post = "Great match tonight, what a goal by the captain #football https://t.co/zz"
    assert label(post, CLAIM) == "unrelated"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Nvidia's H100 chip has been sidelined in China as a result of US export restrictions.",
            "Nvidia's revenue from China has fallen sharply because of US export restrictions.",
        ),
        (
            "Nvidia's revenue from China has fallen sharply because of US export restrictions.",
            "US export restrictions have sidelined Nvidia's H100 chip in China.",
        ),
        (
            "The gap between Chinese and American AI capabilities is narrowing.",
            "Chinese AI models may be only months away from catching up with American models.",
        ),
        (
            "Huawei's Ascend 910D AI chip is designed to compete with Nvidia's H100.",
            "Huawei is preparing to ship samples of its Ascend 910D AI chip to companies.",
        ),
    ],
)
def test_statements_on_one_topic_are_related_not_repeats(a, b):
    result = classify(analyze(a), analyze(b))
    assert result.label == "compatible", result.reasons
    assert result.details["lexical_similarity"] >= 0.3  # many shared words all the same


def test_a_reprinted_statement_is_still_a_repeat():
    a = "Nvidia's H100 chip has been sidelined in China as a result of US export restrictions."
    b = "US export restrictions have sidelined Nvidia's H100 chip in China."
    assert label(a, b) == "repeat"


def test_figures_of_different_things_do_not_conflict():
    downloads = "Alibaba's Qwen3 has been downloaded more than 300 million times."
    derivatives = "Developers have built 100,000 derivative models on top of Alibaba's Qwen3."
    assert label(downloads, derivatives) != "conflict"


def test_the_same_measure_in_other_nouns_still_compares():
    a = "Qwen3 has been downloaded more than 300 million times."
    b = "Qwen3 has been downloaded fewer than 50 million times."
    assert label(a, b) == "conflict"
    assert (
        label("Qwen3 has over 300 million downloads.", "Qwen3 was downloaded 20 million times.")
        == "conflict"
    )


def test_passing_a_mark_reads_as_a_lower_bound():
    (q,) = analyze("Qwen3 has passed 300 million downloads.").quantities
    assert q.low == 300_000_000
    assert q.high == float("inf")
    (count,) = analyze("The senate passed 12 bills.").quantities
    assert count.low == count.high == 12


def test_a_high_cosine_needs_some_shared_words_between_statements():
    a = "The central bank raised interest rates."
    b = "Borrowing costs went up after the monetary authority acted."
    assert label(a, b, similarity=0.95) != "repeat"


def test_cosine_below_the_paraphrase_bar_keeps_a_topic_match_compatible():
    a = "Nvidia's H100 chip has been sidelined in China as a result of US export restrictions."
    b = "Nvidia's revenue from China has fallen sharply because of US export restrictions."
    assert label(a, b, similarity=0.7) == "compatible"
