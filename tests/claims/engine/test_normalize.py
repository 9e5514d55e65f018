"""Text cleaning, tokenisation and stemming."""

import pytest

from claims.engine.normalize import clean_text, is_identifier, stem, tokenize


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("rises", "rose", "rising", "risen"), "rise"),
        (("downloads", "downloaded", "downloading"), "download"),
        (("releases", "released"), "release"),
        (("derived", "derivative"), "derive"),
        (("countries", "country"), "country"),
    ],
)
def test_inflections_share_a_stem(words: tuple[str, ...], expected: str) -> None:
    stems = {stem(w) for w in words}
    assert len(stems) == 1
    assert stems == {stem(expected)}


def test_identifiers_and_numbers_are_never_stemmed() -> None:
    assert stem("h100s") == "h100s"
    assert stem("910c") == "910c"
    assert is_identifier("910c")
    assert is_identifier("qwen3")
    assert not is_identifier("21st")


def test_contractions_expand_to_not() -> None:
    words = [t.lower for t in tokenize("They didn't sign and can't vote.")]
    assert words == ["they", "did", "not", "sign", "and", "can", "not", "vote"]


def test_clean_text_drops_links_and_embed_footer() -> None:
    raw = "GDP grew 3% last year https://t.co/abc \u2014 Jane Roe (@jroe) March 2, 2020"
    assert clean_text(raw) == "GDP grew 3% last year"


def test_hashtags_are_split_into_words() -> None:
    assert clean_text("#UnemploymentRate is down") == "Unemployment Rate is down"


def test_sentence_starts_are_marked() -> None:
    tokens = tokenize("Prices fell. Wages rose")
    assert [t.sentence_start for t in tokens] == [True, False, True, False]
