"""Every sentence span is exact: body[start:end] == sentence, whatever the punctuation."""

from __future__ import annotations

import pytest

from ingest.segment import sentences

TRICKY = (
    'The U.S. economy grew 3% in 2024, Dr. Jane Smith said. "It was the fastest rise '
    'since 2019," she added.\nAbout 1.6 million people — roughly 12% — lost cover; the '
    "bill costs $3.5bn.\n\nIs that right? Officials say “no”. Prices rose 4.2 per cent.\r\n"
    "  Mr. Brown\u2019s office (at No. 10) disagreed!  Wait… really?\n"
)


@pytest.mark.parametrize(
    "body",
    [
        TRICKY,
        TRICKY + TRICKY,
        "One line without a full stop",
        "  \n\n Leading blank lines. Then two sentences.",
        "Ünïcödé names: Zoë Ångström said prices rose 5 %. Ça va ?",
    ],
)
def test_every_span_is_exactly_its_sentence(body):
    spans = sentences(body)
    assert spans
    previous_end = 0
    for span in spans:
        assert body[span.start : span.end] == span.text
        assert span.text == span.text.strip()
        assert span.start >= previous_end  # in order, never overlapping
        previous_end = span.end


def test_abbreviations_and_numbers_do_not_split_sentences():
    texts = [s.text for s in sentences(TRICKY)]
    assert texts[0] == "The U.S. economy grew 3% in 2024, Dr. Jane Smith said."
    assert texts[1] == '"It was the fastest rise since 2019," she added.'
    assert texts[2] == "About 1.6 million people — roughly 12% — lost cover; the bill costs $3.5bn."
    assert "Is that right?" in texts
    assert "Mr. Brown\u2019s office (at No. 10) disagreed!" in texts


def test_a_body_printed_twice_marks_its_second_half_as_repeats():
    spans = sentences(TRICKY + "\n" + TRICKY)
    half = len(spans) // 2
    assert all(s.repeat_of is None for s in spans[:half])
    assert [s.repeat_of for s in spans[half:]] == list(range(half))


def test_empty_and_punctuation_only_bodies_give_no_sentences():
    assert sentences("") == []
    assert sentences("  \n * * * \n --- ") == []
