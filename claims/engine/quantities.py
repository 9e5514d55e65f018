"""Numbers, dates and years found in claim text.

A quantity is stored as an interval rather than a point because claims rarely
state exact figures: "about 60%" and "58%" are consistent, "over 800,000" and
"200,000" are not.  Approximation and bound words ("nearly", "at least", "up to",
"~") decide the interval; scale words ("million", "bn", "k") decide the magnitude.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .lexicon import lexicon
from .normalize import STOPWORDS, stem, word_pairs, words

__all__ = ["DateMention", "Quantity", "parse_dates", "parse_quantities"]

# Half-width of the interval implied by "about"/"roughly"/"~".  Ten percent is the
# usual editorial reading of a rounded figure ("about 60%" covers 54-66).
APPROX_SPREAD = 0.10


@dataclass(frozen=True)
class Quantity:
    """A number with the interval it asserts.

    ``low_open``/``high_open`` record strict bounds: "more than 5" excludes 5
    itself, which is what makes "5" and "more than 5" disagree.
    """

    value: float
    low: float
    high: float
    unit: str | None
    raw: str
    low_open: bool = False
    high_open: bool = False
    start: int = field(default=0, compare=False)

    @property
    def exact(self) -> bool:
        return self.low == self.high

    def overlaps(self, other: Quantity) -> bool:
        """True when some value satisfies both intervals."""
        lo, lo_open = max((self.low, self.low_open), (other.low, other.low_open))
        hi, hi_open = min((self.high, not self.high_open), (other.high, not other.high_open))
        hi_open = not hi_open
        if lo < hi:
            return True
        return lo == hi and not lo_open and not hi_open

    def equivalent(self, other: Quantity) -> bool:
        """Same figure stated the same way, allowing for rounding noise."""
        if not _close(self.value, other.value):
            return False
        if (self.low_open, self.high_open) != (other.low_open, other.high_open):
            return False
        return _close(self.low, other.low) and _close(self.high, other.high)

    def same_figure(self, other: Quantity) -> bool:
        """Same central figure, e.g. "100,000" and "about 100k"."""
        return _close(self.value, other.value) and self.overlaps(other)

    def describe(self) -> str:
        return self.raw


def _close(x: float, y: float) -> bool:
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= 0.005 * max(abs(x), abs(y), 1e-9)


@dataclass(frozen=True)
class DateMention:
    """A calendar date; missing parts are None.  ``iso`` is e.g. "2006-12-15" or "2006-12"."""

    iso: str
    year: int | None
    month: int | None
    day: int | None
    start: int
    end: int


_MONTHS = {
    k: int(v)
    for k, v in word_pairs(
        "january:1 jan:1 february:2 feb:2 march:3 mar:3 april:4 apr:4 may:5"
        " june:6 jun:6 july:7 jul:7 august:8 aug:8 september:9 sept:9 sep:9"
        " october:10 oct:10 november:11 nov:11 december:12 dec:12"
    ).items()
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[6-9]\d\d|20\d\d)"
_DATE_PATTERNS = (
    re.compile(rf"\b(?P<mon>{_MONTH_ALT})\.?\s+{_DAY}\b(?:\s*,?\s+{_YEAR}\b)?", re.IGNORECASE),
    re.compile(
        rf"\b{_DAY}\s+(?:of\s+)?(?P<mon>{_MONTH_ALT})\.?(?:\s*,?\s+{_YEAR}\b)?", re.IGNORECASE
    ),
    re.compile(rf"\b(?P<mon>{_MONTH_ALT})\.?,?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_YEAR}-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)\b"),
)


def parse_dates(text: str) -> list[DateMention]:
    """Find calendar dates ("December 15th, 2006", "15 July 2006", "May 2021")."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            groups = m.groupdict()
            mon_word = groups.get("mon")
            # "may" and "march" are also ordinary words; require a capital letter.
            if (
                mon_word
                and mon_word.lower() in {"may", "march", "mar"}
                and not mon_word[0].isupper()
            ):
                continue
            month = _MONTHS[mon_word.lower()] if mon_word else int(groups["mnum"])
            day = int(groups["day"]) if groups.get("day") else None
            if day is not None and not 1 <= day <= 31:
                continue
            year = int(groups["year"]) if groups.get("year") else None
            if year is not None and day is not None:
                iso = f"{year:04d}-{month:02d}-{day:02d}"
            elif year is not None:
                iso = f"{year:04d}-{month:02d}"
            else:
                iso = f"--{month:02d}-{day:02d}"
            found.append(DateMention(iso, year, month, day, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    return found


_SCALE_WORDS = {
    k: float(v)
    for k, v in word_pairs(
        "thousand:1000.0 k:1000.0 million:1000000.0 mn:1000000.0 mln:1000000.0"
        " m:1000000.0 billion:1000000000.0 bn:1000000000.0 b:1000000000.0"
        " trillion:1000000000000.0 tn:1000000000000.0 crore:10000000.0"
        " lakh:100000.0 hundred:100.0 dozen:12.0"
    ).items()
}
_NUM_RE = re.compile(
    r"(?<![\w.,/])(?<![A-Za-z]-)(?P<cur>[$€£¥]\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?/\s?(?P<den>\d+)(?![\d.,]))?"
    r"(?P<attached>k|m|bn|b|mn|tn|K|M|BN|B)?"
    r"(?![A-Za-z0-9])"
)
_WORD_NUMBERS = {
    k: int(v)
    for k, v in word_pairs(
        "two:2 three:3 four:4 five:5 six:6 seven:7 eight:8 nine:9 ten:10"
        " eleven:11 twelve:12 twenty:20 thirty:30 forty:40 fifty:50 hundred:100"
        " half:50"
    ).items()
}
_AFTER_RE = re.compile(
    r"\s*(?P<scale>thousand|million|billion|trillion|mn|mln|bn|tn|crore|lakh)?\b\s*"
    r"(?P<pct>%|percent\b|per\s?cent\b|pct\b|percentage points?\b)?\s*"
    r"(?P<cur>[$€£¥])?"
    r"(?P<plus>\+)?",
    re.IGNORECASE,
)
_TRAIL_RE = re.compile(
    r"\s*(?:or\s+(?P<ormore>more|above|higher|greater)|or\s+(?P<orless>less|fewer|below|lower)|plus\b)",
    re.IGNORECASE,
)

# Bound words that precede a figure.  Each entry: (pattern, kind).
_QUALIFIERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?:^|[^\w])(?:{alt})\s*$", re.IGNORECASE), kind)
    for alt, kind in (
        (
            r"at least|no less than|no fewer than|not less than|not fewer than|a minimum of|minimum of",
            "min",
        ),
        (
            r"at most|up to|no more than|not more than|a maximum of|maximum of|as many as|as much as",
            "max",
        ),
        (
            r"just over|more than|greater than|higher than|larger than|over|above|exceeding|in excess of|upwards of|beyond"
            # Passing a mark is a lower bound ("has passed 300 million downloads"); a bare
            # "passed 12 bills" is a count, hence the perfect tense.
            r"|(?:has|have|had)\s+passed|surpassed|topped|exceeded",
            "gt",
        ),
        (r"just under|less than|fewer than|lower than|smaller than|under|below|shy of", "lt"),
        (r"nearly|almost|close to|just shy of", "nearly"),
        (
            r"about|around|roughly|approximately|approx\.?|circa|ca\.|an estimated|estimated|some|~|≈|an? approximate",
            "approx",
        ),
    )
)


def bound_before(text: str, start: int) -> bool:
    """Whether a bound word ("more than", "at least", "about") ends right before ``start``."""
    before = text[max(0, start - 40) : start]
    return any(pat.search(before) for pat, _ in _QUALIFIERS)


_PASSED_MARK = re.compile(r"(?:^|[^\w])(?:passed|crossed|broke|breached)\s*$", re.IGNORECASE)
# Word spans the qualifiers consume; callers drop negation/direction cues inside them.
QUALIFIER_WORDS = re.compile(
    r"\b(?:no|not)\s+(?:more|less|fewer)\s+than\b|\b(?:more|less|fewer|greater|higher|lower|larger|smaller)\s+than\s*(?=[$€£¥~]?\s?\d)",
    re.IGNORECASE,
)
_YEAR_PREPOSITIONS = set(
    words(
        "after and around as autumn before between by circa during early end fall"
        " fiscal for from fy in late mid of since spring summer the through till to"
        " until winter year"
    )
)


def _unit_after(text: str, pos: int) -> str | None:
    """First lowercase content word shortly after a figure: the thing being counted."""
    for m in re.finditer(r"[A-Za-z][A-Za-z'-]*|\S", text[pos : pos + 60]):
        word = m.group(0)
        if not word[0].isalpha():
            return None
        low = word.lower().split("'")[0]
        if word[0].isupper() or low in STOPWORDS or low in _WORD_NUMBERS:
            # Skip a brand or product name between the figure and its noun.
            if low in {"of", "in", "on", "for", "to", "from", "by", "per", "than"}:
                return None
            continue
        return stem(low)
    return None


def parse_quantities(
    text: str,
    masked: list[tuple[int, int]] | None = None,
    years_out: list[tuple[int, int]] | None = None,
    names_out: list[str] | None = None,
) -> list[Quantity]:
    """Extract figures with their intervals; ``masked`` spans (dates) are skipped.

    Bare years are not quantities; they are appended to ``years_out`` as
    ``(year, offset)``.  Numbers that belong to a product name go to ``names_out``.
    """
    masked = masked or []
    out: list[Quantity] = []
    for m in _NUM_RE.finditer(text):
        if any(s <= m.start() < e for s, e in masked):
            continue
        num_txt = m.group("num").replace(",", "")
        try:
            value = float(num_txt)
        except ValueError:
            continue
        den = m.group("den")
        if den:
            if float(den) == 0:
                continue
            value /= float(den)
        end = m.end()
        scale = 1.0
        attached = m.group("attached")
        if attached:
            scale = _SCALE_WORDS[attached.lower()]
        after = _AFTER_RE.match(text, end)
        unit: str | None = None
        cur = m.group("cur")
        if cur:
            unit = cur.strip()
        if after and after.group(0).strip():
            if after.group("scale"):
                scale *= _SCALE_WORDS[after.group("scale").lower()]
            if after.group("pct"):
                unit = "%"
            if after.group("cur"):
                unit = after.group("cur")
            end = after.end() if after.group(0).strip() else end
        before = text[max(0, m.start() - 40) : m.start()]
        is_plain_int = den is None and scale == 1.0 and re.fullmatch(r"\d{4}", num_txt) is not None
        qualifier: str | None = None
        qual_hit: re.Match[str] | None = None
        for pat, kind in _QUALIFIERS:
            qual_hit = pat.search(before)
            if qual_hit is not None:
                qualifier = kind
                break
        if qualifier is None and scale >= 1000 and _PASSED_MARK.search(before):
            # "passed 5 million" passes a round mark; "passed 12 bills" stays a count.
            qualifier, qual_hit = "gt", _PASSED_MARK.search(before)
        if unit is None and qual_hit is not None:
            # "$ more than 200": the currency sign sits before the bound word.
            cur_before = re.search(r"([$€£¥])\s*$", before[: qual_hit.start() + 1])
            if cur_before:
                unit = cur_before.group(1)
        if is_plain_int and unit is None and qualifier is None and 1600 <= value <= 2100:
            prev_words = re.findall(r"[A-Za-z]+", before.lower())
            prev = prev_words[-1] if prev_words else ""
            next_word = re.match(r"\s*([A-Za-z]+)", text[end:])
            # A four-digit figure is a year unless it is followed by a counted noun.
            if prev in _YEAR_PREPOSITIONS or not next_word or not next_word.group(1).islower():
                if years_out is not None:
                    years_out.append((int(value), m.start()))
                continue
        if (
            (_is_name_number(text, m.start()) or _after_name_word(before))
            and unit is None
            and scale == 1.0
            and qualifier is None
        ):
            if names_out is not None:
                names_out.append(num_txt)
            continue
        trail = _TRAIL_RE.match(text, end)
        factor = 1.0
        if unit is None:
            # A unit or currency word ("km", "miles", "dollars") in the relations file comes
            # first: its aliases meet in one unit, converted ("5 miles" = "8.05 km").
            known = lexicon().unit_at(text, end)
            if known is not None:
                unit, factor, end = known
            else:
                unit = _unit_after(text, trail.end() if trail else end)
        value *= scale * factor
        low, high, low_open, high_open = value, value, False, False
        if (trail and trail.group("ormore")) or (after is not None and after.group("plus")):
            qualifier = "min"
        elif trail and trail.group("orless"):
            qualifier = "max"
        if qualifier == "min":
            high = math.inf
        elif qualifier == "max":
            low = -math.inf if value < 0 else 0.0
        elif qualifier == "gt":
            high, low_open = math.inf, True
        elif qualifier == "lt":
            low, high_open = (-math.inf if value <= 0 else 0.0), True
        elif qualifier == "nearly":
            low = value * (1 - APPROX_SPREAD)
        elif qualifier == "approx":
            low, high = value * (1 - APPROX_SPREAD), value * (1 + APPROX_SPREAD)
        raw_start = m.start()
        if qual_hit is not None:
            raw_start = m.start() - len(before) + qual_hit.start()
        raw = text[raw_start:end].strip(" ,;:(")
        out.append(Quantity(value, low, high, unit, raw, low_open, high_open, start=m.start()))
    return out


def _after_name_word(before: str) -> bool:
    """True after a word that makes a figure a name ("version 1", "phase 3"), not an amount."""
    prev = re.search(r"([A-Za-z]+)\.?\s*#?$", before)
    return prev is not None and prev.group(1).lower() in lexicon().name_before_number


_NUMBER_AFTER_RE = re.compile(r"[0-9]+(?P<next>\s+[A-Za-z]+|\s*[,.;:!?)]|\s*$)")


def _is_name_number(text: str, start: int) -> bool:
    """True for numbers that are part of a product name ("CloudMatrix 384", "Boeing 737")."""
    window = text[max(0, start - 40) : start]
    prev = re.search(r"([A-Za-z][A-Za-z0-9]*)\s+$", window)
    if not prev:
        return False
    word = prev.group(1)
    # Internal capitals or an all-capital acronym mark a name; "Tomi 42 days" is a count.
    if (any(ch.isupper() for ch in word[1:]) and not word.isupper()) or (
        word.isupper() and len(word) >= 2 and word not in {"US", "UK", "EU", "USD", "EUR", "GBP"}
    ):
        return True
    # A capitalised word inside a sentence, then a whole number that counts nothing (a
    # function word, a name or the end follows): "the Boeing 737 was grounded".
    if not word[:1].isupper() or word.lower() in STOPWORDS:
        return False
    if re.search(r"(?:^|[.!?]\s+|[\n\"“(])\s*$", window[: prev.start()]):
        return False  # the sentence opens with it: a capital says nothing there
    after = _NUMBER_AFTER_RE.match(text, start)
    if after is None:
        return False
    nxt = after.group("next").strip()
    return not nxt[:1].isalpha() or nxt[0].isupper() or nxt.lower() in STOPWORDS
