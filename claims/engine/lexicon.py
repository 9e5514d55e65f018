"""Newsroom language: the curated relations file and the number-word reader, loaded once.

What lives here is knowledge about English, not rules: ``data/relations.toml`` lists acronyms,
multi-word phrases, synonyms, demonyms, antonym pairs, negating and reporting verbs, currency
words and units with their conversion factors. ``number-parser`` reads number words
("twelve thousand", "five hundred"); each distinct phrase is parsed once (the library is slow per
call, and a desk meets the same few phrases again and again).

``rewrite`` turns the wording variants that carry no difference in meaning into one form before
tokenising ("World Health Organization" -> "WHO", "twelve thousand" -> "12 thousand", "two
thirds of" -> "66.67% of"), remembering the original words so that reasons quote the claim as
written. The other helpers answer look-ups on stems.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from number_parser import parse_number, parse_ordinal

from .normalize import stem, words

__all__ = [
    "Lexicon",
    "Rewritten",
    "lexicon",
    "multipliers",
    "ordinal_value",
    "rewrite",
]

DATA = Path(__file__).with_name("data") / "relations.toml"

_UNITS_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy"
    " eighty ninety"
)
_SCALES = ("hundred", "thousand", "million", "billion", "trillion")
_WORD_ALT = "|".join(sorted(_UNITS_WORDS.split(), key=len, reverse=True))
_SCALE_ALT = "|".join(_SCALES)
_SMALL = (
    "one:1 two:2 three:3 four:4 five:5 six:6 seven:7 eight:8 nine:9 ten:10 a:1 an:1 hundred:100"
)
_SMALL_VALUES = {k: int(v) for k, v in (p.split(":") for p in _SMALL.split())}
_DENOMINATORS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fifth": 5,
    "fifths": 5,
    "tenth": 10,
    "tenths": 10,
}
_SMALL_ALT = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten"
# "half" is a fraction of something only next to these; "the first half of 2024" is a period.
_HALF_BEFORE = frozenset(words("than over under nearly almost about around roughly just exactly"))
_HALF_AFTER = frozenset(words("of the their its all"))
_ORDINAL_BEFORE = frozenset(words("first second third fourth last final latter other"))

_PATTERN = re.compile(
    # A fraction of a whole: "two thirds of", "a quarter of".
    rf"\b(?P<fnum>a|an|one|two|three|four|five|six|seven|eight|nine)[\s-]+"
    rf"(?P<fden>{'|'.join(_DENOMINATORS)})(?=\s+(?:of|the)\b)"
    # "one in ten", "9 out of 10".
    rf"|\b(?P<inn>{_SMALL_ALT})\s+(?:in|out\s+of)\s+(?P<inm>{_SMALL_ALT}|a\s+hundred|hundred)"
    r"(?=\s+[a-z])"
    r"|\b(?P<half>half)\b"
    # Number words, with an optional trailing scale word kept as a word.
    rf"|\b(?P<num>(?:a|an)\s+(?:{_SCALE_ALT}|dozen)"
    rf"|(?:{_WORD_ALT})(?:[\s-]+(?:and\s+)?(?:{_WORD_ALT}|{_SCALE_ALT}))*)\b",
    re.IGNORECASE,
)
_MULTIPLIER = re.compile(
    r"\b(?P<verb>doubled|doubling|doubles|tripled|tripling|triples|trebled|quadrupled|halved|halving|halves)\b"
    r"|\b(?P<fold>\d+(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten)[\s-]?fold\b"
    r"|\b(?P<as>twice|half)\s+as\s+[a-z]+\s+as\b"
    r"|\b(?P<times>\d+(?:\.\d+)?)\s+times\s+(?:as\s+[a-z]+\s+as|higher|more|larger|bigger|greater)\b",
    re.IGNORECASE,
)
_PATTERN_LOWER = re.compile(_PATTERN.pattern)
_MULTIPLIER_LOWER = re.compile(_MULTIPLIER.pattern)
_VERB_FACTORS = {
    "doubl": 2.0,
    "tripl": 3.0,
    "trebl": 3.0,
    "quadrupl": 4.0,
    "halv": 0.5,
}
_FOLD_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_FOLD_WORDS.update({"eight": 8, "nine": 9, "ten": 10})


@dataclass(frozen=True)
class Rewritten:
    """A text with its wording variants unified, and where each rewritten span came from."""

    text: str
    # (start, end) in ``text`` of each rewritten span, with the words it replaced.
    spans: tuple[tuple[int, int, str], ...]

    def original(self, start: int, end: int, raw: str) -> str:
        """``raw`` (the slice start:end of ``text``) with rewritten words put back."""
        out = raw
        for s, e, written in self.spans:
            if s >= start and e <= end:
                out = out.replace(self.text[s:e], written, 1)
        return out


@dataclass(frozen=True)
class Lexicon:
    """The relations file, compiled for look-ups by stem."""

    phrase_re: re.Pattern[str] | None
    # The same, case-sensitive, for lower-cased text.
    phrase_lower: re.Pattern[str] | None
    phrase_to: dict[str, str]
    concept_of: dict[str, str]
    polar_of: dict[str, tuple[str, int]]
    negating: frozenset[str]
    negating_need_to: frozenset[str]
    reporting: frozenset[str]
    not_superlative: frozenset[str]
    superlative_words: frozenset[str]
    name_before_number: frozenset[str]
    unit_re: re.Pattern[str]
    unit_of: dict[str, tuple[str, float]]
    currency_of: dict[str, str]
    # Country and region names and their demonyms, lower case: always names.
    places: frozenset[str]
    # "last year" -> -1 ... and "N years ago".
    relative_year_re: re.Pattern[str]
    relative_year_of: dict[str, int]

    def concept(self, word_stem: str) -> str:
        """The term a stem is indexed and compared as: its synonym group's term, and for a
        word with an opposite the positive word ("closed" -> "open": the sign is kept apart
        in ``polar``, so "open" vs "closed" share a term and read as opposites)."""
        group = self.concept_of.get(word_stem, word_stem)
        polar = self.polar_of.get(group)
        return polar[0] if polar is not None else group

    def polarity(self, word_stem: str) -> tuple[str, int] | None:
        """(concept, +1 or -1) for a word with an opposite, else None."""
        return self.polar_of.get(self.concept_of.get(word_stem, word_stem))

    def unit_at(self, text: str, pos: int) -> tuple[str, float, int] | None:
        """A unit or currency word starting at ``pos`` (after spaces): (unit, factor, end)."""
        m = self.unit_re.match(text, pos)
        if m is None:
            return None
        word = " ".join(m.group("unit").lower().split())
        if word in self.currency_of:
            return self.currency_of[word], 1.0, m.end()
        base, factor = self.unit_of[word]
        return base, factor, m.end()


@functools.cache
def lexicon() -> Lexicon:
    """The compiled relations file (read once per process)."""
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    phrase_to: dict[str, str] = {}
    for short, expansions in data["acronyms"].items():
        for expansion in expansions:
            phrase_to[expansion.lower()] = short
    for plain, phrases in data["phrases"].items():
        for phrase in phrases:
            phrase_to[phrase.lower()] = plain
    alternatives = sorted(phrase_to, key=len, reverse=True)
    phrase_re = (
        re.compile(
            r"(?<![\w.])(?:" + "|".join(re.escape(p) for p in alternatives) + r")(?![\w])",
            re.IGNORECASE,
        )
        if alternatives
        else None
    )
    concept_of: dict[str, str] = {}
    for group in data["synonyms"]["groups"]:
        head = stem(group[0])
        for word in group[1:]:
            concept_of.setdefault(stem(word), head)
    for place, forms in data["demonyms"].items():
        for form in forms:
            concept_of.setdefault(stem(form), stem(place))
    polar_of: dict[str, tuple[str, int]] = {}
    for positive, negative in data["antonyms"]["pairs"]:
        pos = concept_of.get(stem(positive), stem(positive))
        neg = concept_of.get(stem(negative), stem(negative))
        polar_of[pos] = (pos, 1)
        polar_of[neg] = (pos, -1)
    units: dict[str, tuple[str, float]] = {}
    for base, aliases in data["units"].items():
        for alias, factor in aliases:
            units[alias.lower()] = (base, float(factor))
    currencies = {
        word.lower(): symbol for symbol, words in data["currencies"].items() for word in words
    }
    unit_words = sorted({*units, *currencies}, key=len, reverse=True)
    unit_re = re.compile(
        r"\s*(?P<unit>" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in unit_words) + r")"
        r"(?![\w/])",
        re.IGNORECASE,
    )
    sup = data["superlatives"]
    relative = {" ".join(k.lower().split()): int(v) for k, v in data["relative_years"].items()}
    relative_year_re = re.compile(
        r"\b(?:(?P<phrase>"
        + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(relative, key=len)[::-1])
        + r")|(?P<n>\d{1,2}|[a-z]+(?:-[a-z]+)?)\s+years?\s+ago)\b",
        re.IGNORECASE,
    )
    return Lexicon(
        phrase_re=phrase_re,
        phrase_lower=re.compile(phrase_re.pattern) if phrase_re is not None else None,
        phrase_to=phrase_to,
        concept_of=concept_of,
        polar_of=polar_of,
        negating=frozenset(stem(w) for w in data["negating"]["verbs"]),
        negating_need_to=frozenset(stem(w) for w in data["negating"]["need_to"]),
        reporting=frozenset(stem(w) for w in data["reporting"]["verbs"]),
        not_superlative=frozenset(w.lower() for w in sup["not_superlative"]),
        superlative_words=frozenset(w.lower() for w in sup["irregular"]),
        name_before_number=frozenset(w.lower() for w in data["names"]["before_number"]),
        unit_re=unit_re,
        unit_of=units,
        currency_of=currencies,
        places=frozenset(
            [*data["demonyms"], *(f for forms in data["demonyms"].values() for f in forms)]
        ),
        relative_year_re=relative_year_re,
        relative_year_of=relative,
    )


@functools.lru_cache(maxsize=4096)
def _number_value(words: str) -> int | None:
    """The value of a number-word phrase without a trailing scale ("twenty five" -> 25)."""
    low = " ".join(words.lower().replace("-", " ").split())
    if low in _SMALL_VALUES:
        return _SMALL_VALUES[low]
    value = parse_number(low)
    return int(value) if value is not None else None


@functools.lru_cache(maxsize=1024)
def ordinal_value(word: str) -> int | None:
    """1 for "first", 5 for "fifth" or "5th"; None for anything else."""
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", word)
    if m:
        return int(m.group(1))
    if not word.endswith(("st", "nd", "rd", "th")) or not word.isalpha():
        return None
    value = parse_ordinal(word)
    return int(value) if value is not None else None


def _percent(value: float) -> str:
    return f"{round(value, 2):g}%"


def _small(word: str) -> int | None:
    low = " ".join(word.lower().split())
    if low.isdigit():
        return int(low)
    if low in {"a hundred", "hundred"}:
        return 100
    return _SMALL_VALUES.get(low)


def _replacement(m: re.Match[str], text: str) -> str | None:
    """What a match of ``_PATTERN`` becomes, or None to keep the words as they are."""
    if m.group("fnum"):
        num = _small(m.group("fnum"))
        den = _DENOMINATORS[m.group("fden").lower()]
        return None if num is None or num >= den else _percent(100.0 * num / den)
    if m.group("inn"):
        part, whole = _small(m.group("inn")), _small(m.group("inm"))
        if part is None or not whole or part > whole or whole > 1000:
            return None
        return _percent(100.0 * part / whole)
    if m.group("half"):
        before = re.findall(r"[A-Za-z]+", text[max(0, m.start() - 20) : m.start()].lower())
        after = re.match(r"\s+([A-Za-z]+)", text[m.end() :])
        prev = before[-1] if before else ""
        if prev in _ORDINAL_BEFORE or prev in {"a", "one"}:
            return None
        if prev in _HALF_BEFORE or (after is not None and after.group(1).lower() in _HALF_AFTER):
            return "50%"
        return None
    words = m.group("num")
    parts = words.replace("-", " ").split()
    low = [p.lower() for p in parts]
    if low in (["one"], ["a"], ["an"]):
        return None  # "one of the largest": a pronoun, not a figure
    scale = ""
    if low[-1] in _SCALES[1:] and len(low) > 1:
        scale = parts[-1]
        parts = parts[:-1]
        if parts and parts[-1].lower() == "and":
            parts = parts[:-1]
    if low == ["a", "dozen"] or low == ["an", "dozen"]:
        return "12"
    value = _number_value(" ".join(parts)) if parts else None
    if value is None:
        return None
    if not scale and value <= 10 and not _measured_after(text, m.end()):
        # "two days", "three schools": small counts stay words (they are as often loose
        # talk as figures); with a unit or a percent sign they are measures.
        return None
    return f"{value} {scale}" if scale else str(value)


def _measured_after(text: str, end: int) -> bool:
    if re.match(r"\s*(?:%|percent\b|per\s?cent\b)", text[end:], re.IGNORECASE):
        return True
    return lexicon().unit_at(text, end) is not None


def rewrite(text: str) -> Rewritten:
    """``text`` with phrases, acronym expansions, number words and fractions unified."""
    lex = lexicon()
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    length = 0
    pos = 0

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += len(chunk)

    # Patterns run on the lower-cased text, case-sensitively: about twice as fast as
    # case-insensitive matching, and the offsets are the same whenever lower-casing keeps the
    # length (else the case-insensitive patterns run on the text itself).
    low = text.lower()
    lowered = len(low) == len(text)
    search = low if lowered else text
    pattern = _PATTERN_LOWER if lowered else _PATTERN
    phrases = lex.phrase_lower if lowered else lex.phrase_re

    def replace_in(start: int, end: int) -> None:
        at = start
        for m in pattern.finditer(search, start, end):
            new = _replacement(m, search)
            if new is None:
                continue
            emit(text[at : m.start()])
            spans.append((length, length + len(new), text[m.start() : m.end()]))
            emit(new)
            at = m.end()
        emit(text[at:end])

    if phrases is not None:
        for m in phrases.finditer(search):
            replace_in(pos, m.start())
            new = lex.phrase_to[m.group(0).lower()]
            spans.append((length, length + len(new), text[m.start() : m.end()]))
            emit(new)
            pos = m.end()
    replace_in(pos, len(text))
    return Rewritten("".join(out), tuple(spans))


def relative_years(text: str) -> list[tuple[int, int, int]]:
    """Years named relative to the claim's own time: (offset, start, end), "last year" -1,
    "3 years ago" -3."""
    lex = lexicon()
    found: list[tuple[int, int, int]] = []
    for m in lex.relative_year_re.finditer(text):
        if m.group("n"):
            n = m.group("n")
            value = int(n) if n.isdigit() else _number_value(n)
            if not value:
                continue
            offset = -value
        else:
            offset = lex.relative_year_of[" ".join(m.group("phrase").lower().split())]
        found.append((offset, m.start(), m.end()))
    return found


def multipliers(text: str) -> list[tuple[float, int, int]]:
    """Growth factors ("doubled" 2, "threefold" 3, "twice as high as" 2): (factor, start, end)."""
    found: list[tuple[float, int, int]] = []
    low = text.lower()
    matches = (
        _MULTIPLIER_LOWER.finditer(low) if len(low) == len(text) else _MULTIPLIER.finditer(text)
    )
    for m in matches:
        if m.group("verb"):
            word = m.group("verb").lower()
            factor = next((f for k, f in _VERB_FACTORS.items() if word.startswith(k)), None)
            if word == "halves":
                continue  # "halves" is as often a noun ("both halves")
        elif m.group("fold"):
            raw = m.group("fold").lower()
            factor = float(_FOLD_WORDS[raw]) if raw in _FOLD_WORDS else float(raw)
        elif m.group("as"):
            factor = 2.0 if m.group("as").lower() == "twice" else 0.5
        else:
            factor = float(m.group("times"))
        if factor:
            found.append((factor, m.start(), m.end()))
    return found
