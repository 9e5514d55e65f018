"""Pairwise comparisons of two analysed claims, each returning plain evidence.

``classify`` combines these; they are separate so that each can be tested and
explained on its own.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .features import OPPOSITE, ClaimFeatures, DirectionCue, family
from .normalize import NEGATIONS, is_identifier, stem
from .quantities import Quantity

__all__ = [
    "DateComparison",
    "DirectionComparison",
    "LexicalOverlap",
    "QuantityComparison",
    "QuantityMatch",
    "SubjectComparison",
    "compare_dates",
    "compare_directions",
    "compare_polar",
    "compare_ranks",
    "compare_subjects",
    "content_terms",
    "denied_alone",
    "is_content_term",
    "lexical_similarity",
    "match_quantities",
    "subject_word_kinds",
    "subject_word_stems",
]

# Subject terms are what a claim is about, so sharing them counts double.
SUBJECT_WEIGHT = 2.0
_NUMERIC_RE = re.compile(r"[\d.,]+(?:e[+-]?\d+)?")


@dataclass(frozen=True)
class LexicalOverlap:
    score: float
    dice: float
    coverage: float
    shared: frozenset[str]
    only_a: frozenset[str]
    only_b: frozenset[str]
    # Content weight of the lighter side over the heavier one: a claim that is
    # much shorter than the other cannot state all the same things.
    length_ratio: float = 0.0
    # Share of the lighter claim's non-subject terms (what it says about its
    # subject) that the other claim also uses.
    predicate_coverage: float = 1.0


def content_terms(f: ClaimFeatures) -> frozenset[str]:
    """The terms lexical overlap is measured on: all but numbers.

    Numbers are judged by the quantity and date comparisons, not by spelling (this also
    drops the posting year of an embedded post).
    """
    return _content_of(f.terms)


def is_content_term(term: str) -> bool:
    """Whether ``term`` counts in lexical overlap (``content_terms``)."""
    return not _NUMERIC_RE.fullmatch(term)


# Cached by the term tuple: analysis compares one claim with dozens of candidates, and the
# same candidates again for the next claim.
@functools.lru_cache(maxsize=65536)
def _content_of(terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for t in terms if is_content_term(t))


def lexical_similarity(a: ClaimFeatures, b: ClaimFeatures) -> LexicalOverlap:
    """Blend of weighted Dice (symmetric) and coverage of the shorter claim.

    Coverage lets a short claim match a long post that contains it; Dice keeps a
    long text from matching everything it happens to mention.
    """
    ta, tb = content_terms(a), content_terms(b)
    shared = ta & tb
    # Each term weighs 1 and a subject term (of either claim) SUBJECT_WEIGHT: counted with set
    # intersections rather than term by term, since this runs for every candidate pair.
    subjects = a.subject_stems | b.subject_stems
    extra = SUBJECT_WEIGHT - 1.0
    wa = len(ta) + extra * len(ta & subjects)
    wb = len(tb) + extra * len(tb & subjects)
    ws = len(shared) + extra * len(shared & subjects)
    if not wa or not wb:
        return LexicalOverlap(
            0.0, 0.0, 0.0, frozenset(shared), frozenset(ta - tb), frozenset(tb - ta)
        )
    dice = 2 * ws / (wa + wb)
    coverage = ws / min(wa, wb)
    score = 0.5 * dice + 0.5 * coverage
    light, heavy = (ta, tb) if wa <= wb else (tb, ta)
    predicate = {t for t in light if t not in subjects}
    predicate_coverage = len(predicate & heavy) / len(predicate) if predicate else 1.0
    return LexicalOverlap(
        score,
        dice,
        coverage,
        frozenset(shared),
        frozenset(ta - tb),
        frozenset(tb - ta),
        min(wa, wb) / max(wa, wb),
        predicate_coverage,
    )


@dataclass(frozen=True)
class SubjectComparison:
    shared: list[str]
    only_a: list[str]
    only_b: list[str]
    different: bool
    why: str = ""


def subject_word_stems(f: ClaimFeatures) -> dict[str, str]:
    """Each distinct subject word with its stem, in order (what subjects are compared on)."""
    if len(f.subject_stem_of) == len(f.subject_terms):
        return dict(zip(f.subject_terms, f.subject_stem_of, strict=True))
    return {s: stem(s) for s in f.subject_terms}


def subject_word_kinds(words: Iterable[str]) -> tuple[int, int, int]:
    """How many subject words, of them identifiers and of them names: what
    ``compare_subjects`` tells apart (for counting it on arrays)."""
    listed = list(words)
    return len(listed), sum(map(is_identifier, listed)), sum(w.isalpha() for w in listed)


def compare_subjects(a: ClaimFeatures, b: ClaimFeatures, lex: LexicalOverlap) -> SubjectComparison:
    """Shared subject terms, and whether the claims are about different things.

    Two claims are about different subjects when each names a model code the other
    lacks (910C vs 910D, H100 vs H20), or when they are worded alike but swap one
    name for another ("... in France" vs "... in Germany").
    """
    # Compare by stem so "Americans" and "American" count as one subject.
    pairs_a, pairs_b = subject_word_stems(a), subject_word_stems(b)
    stems_a = set(pairs_a.values())
    stems_b = set(pairs_b.values())
    shared = [s for s, st in pairs_a.items() if st in stems_b]
    only_a = [s for s, st in pairs_a.items() if st not in stems_b]
    only_b = [s for s, st in pairs_b.items() if st not in stems_a]
    ids_a = [s for s in only_a if is_identifier(s)]
    ids_b = [s for s in only_b if is_identifier(s)]
    if ids_a and ids_b:
        return SubjectComparison(shared, only_a, only_b, True, "identifiers")
    # Numbers that are names ("season 11", "Flight 370", "Boeing 737") are the identity of the
    # thing, not an amount: another one on each side is another thing.
    nums_a = [s for s in only_a if s.isdigit()]
    nums_b = [s for s in only_b if s.isdigit()]
    if nums_a and nums_b:
        return SubjectComparison(shared, only_a, only_b, True, "identifiers")
    # A one-for-one name swap in otherwise near-identical wording. A name the other claim
    # also uses, only not as a name (it opens a sentence there), is no swap: "Norway exports
    # more than Denmark" and "Denmark exports more than Norway" are about the same two.
    terms_a, terms_b = set(a.terms), set(b.terms)
    names_a = [s for s in only_a if s.isalpha() and pairs_a[s] not in terms_b]
    names_b = [s for s in only_b if s.isalpha() and pairs_b[s] not in terms_a]
    if names_a and names_b and len(names_a) <= 2 and len(names_b) <= 2:
        rest_a = len(content_terms(a)) - len(names_a)
        rest_b = len(content_terms(b)) - len(names_b)
        shared_rest = len(lex.shared)
        if rest_a > 0 and rest_b > 0 and shared_rest >= 0.8 * max(rest_a, rest_b):
            return SubjectComparison(shared, only_a, only_b, True, "names")
    return SubjectComparison(shared, only_a, only_b, False)


@dataclass(frozen=True)
class QuantityMatch:
    a: Quantity
    b: Quantity
    status: str  # "same" | "consistent" | "differ"

    def as_dict(self) -> dict[str, object]:
        def interval(q: Quantity) -> list[float | str]:
            return [_json_num(q.low), _json_num(q.high)]

        return {
            "a": self.a.raw,
            "b": self.b.raw,
            "a_interval": interval(self.a),
            "b_interval": interval(self.b),
            "unit_a": self.a.unit,
            "unit_b": self.b.unit,
            "status": self.status,
        }


def _json_num(x: float) -> float | str:
    # JSON has no infinity; editors read "inf" fine.
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


@dataclass(frozen=True)
class QuantityComparison:
    matches: list[QuantityMatch] = field(default_factory=list)
    only_a: list[Quantity] = field(default_factory=list)
    only_b: list[Quantity] = field(default_factory=list)


_CURRENCIES = {"$", "€", "£", "¥"}


def _unit_affinity(x: Quantity, y: Quantity) -> int:
    """3 same unit, 2 one unit unknown, 1 different counted nouns, 0 incomparable."""
    ux, uy = x.unit, y.unit
    if ux == uy and ux is not None:
        return 3
    hard = {"%"} | _CURRENCIES
    if (ux in hard or uy in hard) and ux != uy:
        # A percentage is never a money amount, whatever the wording.
        return 0 if (ux is not None and uy is not None) else 1
    if ux is None or uy is None:
        return 2
    return 1


def _status(x: Quantity, y: Quantity) -> str:
    # Overlap is the logical test: "more than 30%" and "more than 80%" can both
    # hold, so they are consistent (the second is just more precise).
    if x.equivalent(y) or (x.same_figure(y) and (x.exact or y.exact)):
        return "same"
    return "consistent" if x.overlaps(y) else "differ"


def match_quantities(a: ClaimFeatures, b: ClaimFeatures) -> QuantityComparison:
    """Pair up the figures of two claims that talk about the same measure."""
    qa, qb = list(a.quantities), list(b.quantities)
    pairs: list[tuple[int, int]] = []
    if not qa or not qb:
        pass
    elif len(qa) == len(qb) and all(_unit_affinity(x, y) >= 1 for x, y in zip(qa, qb, strict=True)):
        # Same number of figures with compatible units: compare them in order,
        # which is what a reworded or minimally edited claim does.
        pairs = list(enumerate(range(len(qb))))
        if any(_unit_affinity(x, y) < 3 for x, y in zip(qa, qb, strict=True)):
            greedy = _greedy_pairs(qa, qb)
            if _pairing_quality(greedy, qa, qb) > _pairing_quality(pairs, qa, qb):
                pairs = greedy
    else:
        pairs = _greedy_pairs(qa, qb)
    # Two different counted nouns ("100,000 derivative models" vs "300 million times") are
    # one measure only when the other claim talks about that noun too ("downloaded ... 300
    # million times" vs "300 million downloads"); otherwise they are separate facts.
    pairs = [(i, j) for i, j in pairs if _same_measure(qa[i], qb[j], a, b)]
    used_a = {i for i, _ in pairs}
    used_b = {j for _, j in pairs}
    matches = [QuantityMatch(qa[i], qb[j], _status(qa[i], qb[j])) for i, j in pairs]
    only_a = [q for i, q in enumerate(qa) if i not in used_a]
    only_b = [q for j, q in enumerate(qb) if j not in used_b]
    # A bare four-digit figure is read as a year on one side ("in 1928") and as a
    # count on the other ("in 6928", "before 4000"): compare those as numbers too.
    extra_a = _match_years(only_b, a, b)
    extra_b = _match_years(only_a, b, a)
    matches += [QuantityMatch(y, q, _status(y, q)) for q, y in extra_a]
    matches += [QuantityMatch(q, y, _status(q, y)) for q, y in extra_b]
    only_a = [q for q in only_a if all(q is not m for m, _ in extra_b)]
    only_b = [q for q in only_b if all(q is not m for m, _ in extra_a)]
    return QuantityComparison(matches, only_a, only_b)


def _same_measure(x: Quantity, y: Quantity, a: ClaimFeatures, b: ClaimFeatures) -> bool:
    if _unit_affinity(x, y) != 1:
        return True
    return (y.unit is not None and y.unit in a.terms) or (x.unit is not None and x.unit in b.terms)


def _match_years(
    leftovers: list[Quantity], year_side: ClaimFeatures, other: ClaimFeatures
) -> list[tuple[Quantity, Quantity]]:
    spare_years = [y for y in year_side.years if y not in other.years]
    out: list[tuple[Quantity, Quantity]] = []
    for q in leftovers:
        if not spare_years or q.unit is not None or q.value != int(q.value):
            continue
        if not 1000 <= q.value < 10000:
            continue
        year = spare_years.pop(0)
        out.append((q, Quantity(float(year), float(year), float(year), None, str(year))))
    return out


def _pairing_quality(
    pairs: list[tuple[int, int]], qa: list[Quantity], qb: list[Quantity]
) -> tuple[int, int]:
    affinity = sum(_unit_affinity(qa[i], qb[j]) for i, j in pairs)
    agreeing = sum(1 for i, j in pairs if qa[i].overlaps(qb[j]))
    return affinity, agreeing


def _greedy_pairs(qa: list[Quantity], qb: list[Quantity]) -> list[tuple[int, int]]:
    options: list[tuple[int, int, float, int, int]] = []
    for i, x in enumerate(qa):
        for j, y in enumerate(qb):
            level = _unit_affinity(x, y)
            if level == 0:
                continue
            # A counted noun that differs only matches when nothing better exists.
            if level == 1 and not (len(qa) == 1 and len(qb) == 1):
                continue
            agree = 1 if x.overlaps(y) else 0
            closeness = -abs(math.log10(abs(x.value) + 1) - math.log10(abs(y.value) + 1))
            options.append((level, agree, closeness, -abs(i - j), i * 1000 + j))
    options.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for *_, code in options:
        i, j = divmod(code, 1000)
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j))
    return sorted(pairs)


@dataclass(frozen=True)
class DateComparison:
    years_differ: bool
    # (what differs, a's, b's, a note), worded by the caller ("Different date: x vs y");
    # empty when nothing conflicts.
    conflict: tuple[str, str, str, str] | tuple[()]
    # The years compared, as a reader would write them ("2023", "last year").
    years_a: str = ""
    years_b: str = ""


def _relative_words(offset: int) -> str:
    named = {-1: "last year", 0: "this year", 1: "next year"}
    return named.get(offset) or (f"{-offset} years ago" if offset < 0 else f"in {offset} years")


def compare_dates(a: ClaimFeatures, b: ClaimFeatures) -> DateComparison:
    """Whether the claims are set at different times, and if a date contradicts.

    Different years alone are ambiguous (another measurement vs. another date for
    one event); ``classify`` resolves that with the quantities.  A full date that
    differs in the same or no stated year is a contradiction of the event date.
    """
    ya, yb = set(a.years), set(b.years)
    years_differ = bool(ya and yb and not ya & yb)
    shown_a = ", ".join(map(str, sorted(ya)))
    shown_b = ", ".join(map(str, sorted(yb)))
    if not ya and not yb and a.relative_years and b.relative_years:
        # Both name a year relative to their own time ("last year" vs "this year"): read as
        # said at about the same time, they differ as calendar years would. Against a
        # calendar year a relative one says nothing without the claim's date.
        ra, rb = set(a.relative_years), set(b.relative_years)
        years_differ = not ra & rb
        shown_a = ", ".join(_relative_words(o) for o in sorted(ra))
        shown_b = ", ".join(_relative_words(o) for o in sorted(rb))
    conflict: tuple[str, str, str, str] | tuple[()] = ()
    # Dates with a day ("2025-05-02", or "--05-02" when no year is given): another day for the
    # same event contradicts, whether or not a year is stated.
    full_a = [d for d in a.dates if len(d) == 10 or d.startswith("--")]
    full_b = [d for d in b.dates if len(d) == 10 or d.startswith("--")]
    if (
        full_a
        and full_b
        and not set(full_a) & set(full_b)
        and not _dates_compatible(full_a, full_b)
    ):
        conflict = ("Different date", ", ".join(full_a), ", ".join(full_b), "")
    if not conflict and years_differ:
        conflict = ("Different year", shown_a, shown_b, " (another date for the same claim)")
    return DateComparison(years_differ, conflict, shown_a, shown_b)


def _dates_compatible(xs: list[str], ys: list[str]) -> bool:
    # "--12-15" (no year) agrees with "2006-12-15".
    return any(
        x[-5:] == y[-5:] and (x.startswith("--") or y.startswith("--")) for x in xs for y in ys
    )


@dataclass(frozen=True)
class DirectionComparison:
    opposite: tuple[str, str] | None
    same: list[str]


def _effective(cue: DirectionCue, ref: DirectionCue) -> str:
    """Polarity of ``cue`` seen from the argument order of ``ref``.

    The two sides are compared by the words found on one side only ("China imports more
    than India": china | india); when more of them sit on the opposite side of the other
    comparison than on the same side, its sides are swapped ("India imports less than
    China" then agrees, "India imports more than China" contradicts).
    """
    cl, cr = set(cue.left), set(cue.right)
    rl, rr = set(ref.left), set(ref.right)
    cl, cr = cl - cr, cr - cl
    rl, rr = rl - rr, rr - rl
    same = len(cl & rl) + len(cr & rr)
    crossed = len(cl & rr) + len(cr & rl)
    swapped = bool(cl & rr) and bool(cr & rl) and crossed > same
    return OPPOSITE[cue.polarity] if swapped else cue.polarity


def compare_directions(a: ClaimFeatures, b: ClaimFeatures) -> DirectionComparison:
    """Opposite direction claims ("rose" vs "fell", "outperforms" vs "falls short of")."""
    opposite: tuple[str, str] | None = None
    agree_families: set[str] = set()
    same: list[str] = []
    clash: dict[str, tuple[str, str]] = {}
    for ca in a.direction_cues:
        for cb in b.direction_cues:
            if family(ca.polarity) != family(cb.polarity):
                continue
            pb = _effective(cb, ca)
            if pb == ca.polarity:
                agree_families.add(family(ca.polarity))
                same.append(f"{ca.word} / {cb.word}")
            else:
                clash.setdefault(family(ca.polarity), (ca.word, cb.word))
    for fam, words in clash.items():
        if fam not in agree_families:
            opposite = words
            break
    return DirectionComparison(opposite, same)


def _by_key(items: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """ "key:value:words" entries as {key: {value: first words}}."""
    out: dict[str, dict[str, str]] = {}
    for key, value, said in (item.split(":", 2) for item in items):
        out.setdefault(key, {}).setdefault(value, said)
    return out


def _clashes(
    items_a: tuple[str, ...], items_b: tuple[str, ...], *, single: bool
) -> list[tuple[str, str]]:
    """Keys both sides use with no value in common: (a's words, b's words).

    ``single`` requires each side to use the key with one value only.
    """
    by_a, by_b = _by_key(items_a), _by_key(items_b)
    out: list[tuple[str, str]] = []
    for key in sorted(by_a.keys() & by_b.keys()):
        va, vb = by_a[key], by_b[key]
        if single and (len(va) != 1 or len(vb) != 1):
            continue
        if not va.keys() & vb.keys():
            out.append((next(iter(va.values())), next(iter(vb.values()))))
    return out


def compare_polar(a: ClaimFeatures, b: ClaimFeatures) -> list[tuple[str, str]]:
    """Words asserting opposites ("open" vs "closed", "safe" vs "not safe"): (word a, word b).

    A concept counts only when each claim uses it with one sign: a claim saying both
    ("profit ... loss") is not contradicted by either.
    """
    return _clashes(a.polar, b.polar, single=True)


def denied_alone(x: ClaimFeatures, y: ClaimFeatures) -> tuple[str, ...]:
    """Words of ``x`` negated into their opposite ("not true") whose concept ``y`` never uses:
    there the negation denies the claim itself ("It is not true that ...")."""
    used = _by_key(y.polar)
    return tuple(
        said
        for concept, signs in _by_key(x.polar).items()
        if concept not in used
        for sign, said in signs.items()
        if sign == "-1" and _starts_negated(said)
    )


def _starts_negated(words: str) -> bool:
    first = words.split()[0].lower()
    return first in NEGATIONS or first.endswith("n't")


def compare_ranks(a: ClaimFeatures, b: ClaimFeatures) -> list[tuple[str, str]]:
    """Superlatives ranked differently ("the largest" vs "the third largest")."""
    return _clashes(a.ranks, b.ranks, single=False)
