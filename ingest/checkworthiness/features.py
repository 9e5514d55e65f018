"""Features of a sentence for the check-worthiness model, and the reasons a person reads.

Two kinds of feature feed one linear model:

* word n-grams (lower-cased words and word pairs, every number folded into one of a few
  shapes such as ``<pct>`` or ``<year>``, so the model learns "a percentage" rather than "60");
* cues written by hand that carry the reasons shown to editors: a figure, an attribution to a
  named source, a comparison, opinion or prediction wording, a question, first-person talk.

Everything here is pure Python so the lexical tier runs wherever the project runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

__all__ = ["Cue", "SentenceFeatures", "extract", "tokens"]

_WORD = re.compile(r"[$£€]?\d[\d,.]*(?:%|bn|m|k)?|[A-Za-z][A-Za-z'\u2019-]*|%|[?!]")
_MONEY = re.compile(
    r"[$£€]\s?\d|\b\d[\d,.]*\s?(?:dollars|pounds|euros|bn|billion|million|trillion)\b", re.I
)
_PERCENT = re.compile(r"\d\s?(?:%|per ?cent\b|percent\b)", re.I)
_FIGURE = re.compile(
    r"[$£€]\s?\d[\d,.]*\d(?:\s?(?:bn|billion|million|trillion|m|k)\b)?|[$£€]\s?\d"
    r"|\d(?:[\d,.]*\d)?\s?(?:%|per ?cent\b|percent\b|bn\b|billion\b|million\b|trillion\b"
    r"|dollars\b|pounds\b|euros\b)",
    re.I,
)
_YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b")
_NUMBER = re.compile(r"\d")
_NUMBER_WORDS = re.compile(
    r"\b(?:hundreds?|thousands?|millions?|billions?|trillions?|dozens?|twice|double[ds]?|"
    r"tripled?|half|quarter|one-third|two-thirds|majority|minority)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(?:more|less|fewer|higher|lower|larger|smaller|bigger|greater|than|most|least|"
    r"increased?|increasing|decreased?|decreasing|rose|risen|rising|fell|fallen|falling|"
    r"doubled?|tripled?|cut|grew|grown|growth|declined?|dropped|record|highest|lowest|"
    r"largest|biggest|worst|best|fastest|slowest|first|only|since|up|down)\b",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|according to|reported|reports|announced|stated|claimed|"
    r"claims|testified|wrote|estimates?|found|shows?|showed|study|survey|poll|report|data|"
    r"statistics|figures|census|bureau|department|office|agency|ministry|commission)\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:i think|i believe|i feel|we need|we must|we should|we will|we're going to|"
    r"i will|i'll|i'm going to|should|must|ought|believe|hope|want|wish|going to|will|"
    r"would|could|might|may|maybe|perhaps|probably|great|terrible|wonderful|horrible|"
    r"disaster|beautiful|tremendous|incredible|love|hate|fantastic|sad|shame|"
    r"let me|let's|thank you|thanks)\b",
    re.I,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|me|my|we|we're|we've|us|our)\b", re.I)
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you've)\b", re.I)
_LAW = re.compile(
    r"\b(?:voted?|votes|vetoed|bill|law|legislation|passed|signed|tax(?:es)?|budget|deficit|"
    r"debt|unemployment|jobs|economy|spending|spent|cost|costs|funding|funded|illegal|"
    r"crime|deaths?|killed|cases|vaccines?|percent)\b",
    re.I,
)
# A capitalised word that does not open the sentence: a rough sign of a named person,
# organisation or place (a named source, or a named subject of the claim).
_NAME = re.compile(r"(?<=[a-z,;:] )(?:[A-Z][a-z]+|[A-Z]{2,})(?:\s(?:[A-Z][a-z]+|[A-Z]{2,}))*")


@dataclass(frozen=True)
class Cue:
    """A hand-written cue: its feature name, and how an editor reads it."""

    name: str
    reason: str


@dataclass
class SentenceFeatures:
    """Named feature values for one sentence, and the reasons it shows (cue name -> text)."""

    values: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _number_shape(token: str) -> str:
    if token.endswith("%"):
        return "<pct>"
    if token[0] in "$£€" or token.endswith(("bn", "m", "k")):
        return "<money>"
    digits = token.replace(",", "").rstrip(".")
    if re.fullmatch(r"(?:1[89]|20)\d\ds?", digits):
        return "<year>"
    if "." in digits:
        return "<decimal>"
    return "<num>" if len(digits) < 4 else "<bignum>"


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens with numbers folded into shapes."""
    out: list[str] = []
    for raw in _WORD.findall(text):
        if raw[0].isdigit() or raw[0] in "$£€":
            out.append(_number_shape(raw))
        else:
            out.append(raw.lower().replace("\u2019", "'"))
    return out


def _ngrams(words: list[str]) -> Iterable[str]:
    yield from (f"w:{w}" for w in words)
    yield from (f"b:{a} {b}" for a, b in pairwise(words))


def _first(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(0).strip() if found else ""


def extract(text: str) -> SentenceFeatures:
    """The sentence's features: n-grams (``w:``/``b:``), cues (``c:``) and their reasons."""
    feats = SentenceFeatures()
    words = tokens(text)
    for gram in _ngrams(words):
        feats.values[gram] = 1.0

    def cue(name: str, value: float, reason: str = "") -> None:
        if value:
            feats.values[f"c:{name}"] = value
            if reason:
                feats.reasons[name] = reason

    figure = _first(_PERCENT, text) or _first(_MONEY, text)
    if figure:
        # Show the whole figure ("60%", "$3.5bn"), not just the digits the test above saw.
        whole = _FIGURE.search(text)
        cue("figure", 1.0, f"a figure: {whole.group(0).strip() if whole else figure}")
    elif _NUMBER.search(text):
        number = _first(re.compile(r"[$£€]?\d[\d,.]*"), text).rstrip(".,")
        if _YEAR.fullmatch(number):
            cue("year", 1.0, f"a date: {number}")
        else:
            cue("number", 1.0, f"a figure: {number}")
    words_number = _first(_NUMBER_WORDS, text)
    cue("number_word", 1.0 if words_number else 0.0, f"a quantity: {words_number}")
    cue("percent", 1.0 if _PERCENT.search(text) else 0.0)
    cue("money", 1.0 if _MONEY.search(text) else 0.0)
    cue("year_any", 1.0 if _YEAR.search(text) else 0.0)

    attribution = _first(_ATTRIBUTION, text)
    name = _first(_NAME, text)
    if attribution and name:
        cue("attributed", 1.0, f"attributed to a named source: {name}")
    elif attribution:
        cue("reported", 1.0, f"reporting wording: {attribution}")
    if name:
        cue("named", 1.0)

    comparison = _first(_COMPARISON, text)
    cue("comparison", 1.0 if comparison else 0.0, f"a comparison: {comparison}")
    policy = _first(_LAW, text)
    cue("policy", 1.0 if policy else 0.0, f"a policy or public-record subject: {policy}")

    opinion = _first(_OPINION, text)
    cue("opinion", 1.0 if opinion else 0.0, f"opinion or prediction wording: {opinion}")
    cue("question", 1.0 if "?" in text else 0.0, "a question")
    cue("first_person", min(len(_FIRST_PERSON.findall(text)), 3) / 3)
    cue("second_person", min(len(_SECOND_PERSON.findall(text)), 3) / 3)

    n = len(words)
    cue("length", min(math.log1p(n) / 4.0, 1.5))
    cue("short", 1.0 if n < 6 else 0.0, "too short to check" if n < 6 else "")
    return feats
