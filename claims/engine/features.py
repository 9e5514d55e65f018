"""Turn one claim into the features the index and the pair classifier need.

``analyze`` is the only entry point; everything it returns is immutable and built
from plain strings and numbers so that a caller can cache it or serialise it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .lexicon import Rewritten, lexicon, multipliers, ordinal_value, relative_years, rewrite
from .normalize import (
    NEGATIONS,
    STOPWORDS,
    Token,
    clean_text_with_posted_year,
    is_identifier,
    is_number,
    looks_like_post,
    stem,
    tokenize,
    words,
)
from .quantities import (
    QUALIFIER_WORDS,
    DateMention,
    Quantity,
    bound_before,
    parse_dates,
    parse_quantities,
)

__all__ = [
    "MAX_INDEX_TERMS",
    "ClaimFeatures",
    "DirectionCue",
    "analyze",
    "index_term_counts",
    "index_term_counts_of",
    "index_terms",
]

MAX_INDEX_TERMS = 64


@dataclass(frozen=True)
class DirectionCue:
    """A word asserting a direction, with the subject terms on either side of it.

    ``left``/``right`` are given in active voice: "NVL72 is outperformed by
    CloudMatrix" is stored as left=cloudmatrix, right=nvl72, polarity "more",
    so it agrees with "CloudMatrix outperforms NVL72".
    """

    polarity: str
    word: str
    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class ClaimFeatures:
    """Everything the engine knows about one claim text."""

    text: str
    normalized: str
    tokens: tuple[str, ...]
    terms: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    negated: bool
    directions: tuple[str, ...]
    years: tuple[int, ...]
    dates: tuple[str, ...]
    subject_terms: tuple[str, ...]
    negation_cues: tuple[str, ...] = ()
    # Stemmed content words right after each negation: what the negation applies to.
    negation_scope: tuple[str, ...] = ()
    direction_cues: tuple[DirectionCue, ...] = ()
    subject_stems: frozenset[str] = frozenset()
    target_years: tuple[int, ...] = ()
    # Year of an embedded post's footer: context only, never compared or indexed
    # (indexing it did not help consistently on held-out data).
    posted_year: int | None = None
    # A social-media post (links, #tags, @handles, an embed footer) rather than a statement.
    is_post: bool = False
    # The stem of each of ``subject_terms``, in order (empty when not known): comparing
    # subjects needs them for every candidate, and stemming is the costly part.
    subject_stem_of: tuple[str, ...] = ()
    # Words with an opposite in the relations file, as "concept:sign:word" ("open:-1:closed");
    # the sign is flipped under a negation ("not closed" = open).
    polar: tuple[str, ...] = ()
    # Superlatives with their rank, as "stem:rank:words" ("hot:5:fifth hottest").
    ranks: tuple[str, ...] = ()
    # Stems of whoever the claim is attributed to ("..., China has warned").
    speakers: tuple[str, ...] = ()
    # The first content word each negation of its own applies to ("has not *proposed*").
    negated_heads: tuple[str, ...] = ()
    # Years named relative to the claim's own time ("last year" -1), when the text carries no
    # date to resolve them against (else they are in ``years``).
    relative_years: tuple[int, ...] = ()


# Direction lexicon: base forms, stemmed at import time so every inflection hits.
_FAMILY_OF = {
    "up": "change",
    "down": "change",
    "more": "compare",
    "less": "compare",
    "better": "quality",
    "worse": "quality",
}
OPPOSITE = {
    "up": "down",
    "down": "up",
    "more": "less",
    "less": "more",
    "better": "worse",
    "worse": "better",
}
_DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "up": words(
        "rise rose risen increase grow grew growth climb surge soar jump gain rocket"
        " skyrocket spike double triple expand swell balloon boost hike upward upturn"
        " rebound"
    ),
    "down": words(
        "fall fell fallen decline decrease drop shrink shrank plunge plummet slump tumble"
        " sink sank dip slide halve contract reduce reduction cut slash collapse downward"
        " downturn shrinkage"
    ),
    "more": words(
        "more higher greater larger bigger faster stronger longer exceed outperform"
        " surpass beat outpace outsell outnumber overtake eclipse superior ahead outstrip"
        " outrun outscore"
    ),
    "less": words(
        "less fewer lower smaller slower weaker shorter trail lag underperform inferior behind"
    ),
    "better": words("better improve improvement"),
    "worse": words("worse worsen deteriorate deterioration"),
}
_CUE_BY_WORD: dict[str, str] = {}
for _pol, _words in _DIRECTION_WORDS.items():
    for _w in _words:
        _CUE_BY_WORD[_w] = _pol
        # A comparative's lemma is its plain adjective ("longer" -> "long"), which states no
        # direction: comparatives count only as written.
        if not (_FAMILY_OF[_pol] != "change" and _w.endswith("er")):
            _CUE_BY_WORD.setdefault(stem(_w), _pol)
# Transitive "A verbs B" comparisons whose passive ("B is verbed by A") swaps sides.
_PASSIVE_CUES = {
    stem(w)
    for w in words(
        "outperform surpass beat outpace outsell exceed overtake eclipse outnumber outstrip"
    )
}
_BE = {"is", "was", "are", "were", "be", "been", "being", "get", "got", "gets", "getting"}
_MOTION = _BE | {"went", "go", "goes", "gone", "going", "has", "have", "had", "came"}
_AS_AS_RE = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent|per cent)\s+as\s+[a-z]+\s+as\b"
    r"|\b(?P<word>half|twice|double|triple|(?:\d+(?:\.\d+)?|two|three|four|ten)\s+times)\s+as\s+[a-z]+\s+as\b",
    re.IGNORECASE,
)
_CALENDAR_WORDS = frozenset(
    words(
        "january february march april may june july august september october november december"
        " monday tuesday wednesday thursday friday saturday sunday"
    )
)
_AUXILIARIES = frozenset(
    words("is are was were be been being am has have had do does did to will would can could")
)
_SCALED_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?(?:k|m|bn|b|mn|tn)")
_TARGET_PREPS = {"by", "until", "till", "before", "through"}


def is_stop(tok: Token, upper_informative: bool = True) -> bool:
    """Stopword test that spares acronyms which happen to spell one ("US", "IT")."""
    if tok.lower in NEGATIONS:
        return True
    if tok.lower not in STOPWORDS:
        return False
    return not (upper_informative and len(tok.text) > 1 and tok.text.isupper())


def _upper_informative(tokens: list[Token]) -> bool:
    alpha = [t for t in tokens if t.text[:1].isalpha()]
    upper = sum(1 for t in alpha if t.text.isupper() and len(t.text) > 1)
    return not alpha or upper / len(alpha) < 0.4


def _subject_tokens(tokens: list[Token], name_numbers: set[str]) -> list[int]:
    """Indexes of tokens that look like names, acronyms or model identifiers."""
    alpha = [t for t in tokens if t.text[:1].isalpha()]
    caps = sum(1 for t in alpha if t.text[0].isupper())
    # In Title Case headlines or SHOUTED text, capitals no longer single out names.
    caps_informative = not alpha or caps / len(alpha) < 0.6
    upper_informative = _upper_informative(tokens)
    capitalised_later = {t.lower for t in tokens if not t.sentence_start and t.text[:1].isupper()}
    picked: list[int] = []
    for i, tok in enumerate(tokens):
        low = tok.lower
        if is_stop(tok, upper_informative):
            continue
        if is_identifier(low) or low in name_numbers:
            picked.append(i)
            continue
        word = tok.text
        if not word[:1].isupper() or not word.isalpha():
            continue
        if upper_informative and word.isupper() and len(word) > 1:
            picked.append(i)
            continue
        if not caps_informative:
            continue
        if not tok.sentence_start:
            picked.append(i)
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        has_inner_cap = any(ch.isupper() for ch in word[1:])
        possessive = "'" in tok.text or (nxt is not None and nxt.start == tok.end)
        followed_by_name = nxt is not None and nxt.text[:1].isupper() and not nxt.sentence_start
        if has_inner_cap or possessive or followed_by_name or low in capitalised_later:
            picked.append(i)
    return picked


def _canonical_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


@dataclass(frozen=True)
class _Read:
    """The first stage of analysis: the text cleaned and rewritten, its tokens and figures."""

    cleaned: str
    posted_year: int | None
    tokens: list[Token]
    dates: list[DateMention]
    factor_spans: list[tuple[int, int]]
    # Sorted by position; ``raw`` still in the rewritten spelling.
    parsed: list[Quantity]
    years_found: list[tuple[int, int]]
    name_numbers: list[str]
    rewritten: Rewritten
    # (offset, start, end) of years named relative to the claim's time ("last year").
    relative: list[tuple[int, int, int]]


def _read(text: str) -> _Read:
    cleaned, posted_year = clean_text_with_posted_year(text)
    # Wording variants with one meaning become one form first (number words, fractions,
    # acronym expansions, phrases), so everything below sees a single spelling.
    rewritten = rewrite(cleaned)
    cleaned = rewritten.text
    tokens = tokenize(cleaned)
    dates = parse_dates(cleaned)
    years_found: list[tuple[int, int]] = []
    name_numbers: list[str] = []
    factors = multipliers(cleaned)
    factor_spans = [(s, e) for _, s, e in factors]
    # "more than 2 years ago" is a span of time, compared as a figure, not a year.
    relative = [r for r in relative_years(cleaned) if not bound_before(cleaned, r[1])]
    parsed = parse_quantities(
        cleaned,
        [(d.start, d.end) for d in dates] + factor_spans,
        years_out=years_found,
        names_out=name_numbers,
    )
    parsed += [Quantity(f, f, f, "fold", cleaned[s:e], start=s) for f, s, e in factors]
    parsed.sort(key=lambda q: q.start)
    return _Read(
        cleaned,
        posted_year,
        tokens,
        dates,
        factor_spans,
        parsed,
        years_found,
        name_numbers,
        rewritten,
        relative,
    )


def _in_spans(spans: list[tuple[int, int]]) -> Callable[[Token], bool]:
    def inside(tok: Token) -> bool:
        return bool(spans) and any(s <= tok.start < e for s, e in spans)

    return inside


def _terms_of(
    read: _Read, quantities: list[Quantity], upper_ok: bool, verbs: set[int]
) -> list[str]:
    return _content_terms(
        read.tokens, quantities, upper_ok, skip=verbs, in_factor=_in_spans(read.factor_spans)
    )


def index_term_counts_of(text: str) -> dict[str, int]:
    """``index_term_counts(analyze(text))``, computing only what the index terms need.

    For bulk indexing (imports of other outlets' reviews): the same terms and counts, at
    about half the cost, because the comparison features (subjects, directions, polarity,
    ranks, speakers) are skipped. They are worked out only for a text with more distinct terms
    than the index keeps, where subjects decide which terms stay.
    """
    read = _read(text)
    verbs = {i for i in range(len(read.tokens)) if _negating_verb(read.tokens, i)}
    terms = _terms_of(read, read.parsed, _upper_informative(read.tokens), verbs)
    counts: dict[str, int] = {}
    for term in terms:
        counts[term] = counts.get(term, 0) + 1
    if len(counts) > MAX_INDEX_TERMS:
        return index_term_counts(analyze(text))
    return counts


def analyze(text: str) -> ClaimFeatures:
    """Extract terms, quantities, polarity, direction, dates and subjects from a claim."""
    read = _read(text)
    cleaned, posted_year, tokens, dates = read.cleaned, read.posted_year, read.tokens, read.dates
    years_found, name_numbers = read.years_found, read.name_numbers
    parsed, rewritten, relative = read.parsed, read.rewritten, read.relative
    quantities = [
        replace(q, raw=rewritten.original(q.start - len(q.raw), q.start + len(q.raw), q.raw))
        if rewritten.spans
        else q
        for q in parsed
    ]
    qualifier_spans = [(m.start(), m.end()) for m in QUALIFIER_WORDS.finditer(cleaned)]
    # A bound word that belongs to a figure ("exceeded 5 million") is no direction cue.
    for q in parsed:
        at = cleaned.rfind(q.raw, 0, q.start + len(q.raw))
        if 0 <= at < q.start:
            qualifier_spans.append((at, q.start))

    def in_qualifier(tok: Token) -> bool:
        return bool(qualifier_spans) and any(s <= tok.start < e for s, e in qualifier_spans)

    date_spans = [(d.start, d.end) for d in dates]
    # Month names are capitalised but say when, not who.
    subject_idx = {
        i
        for i in _subject_tokens(tokens, set(name_numbers))
        if not any(s <= tokens[i].start < e for s, e in date_spans)
        and tokens[i].lower not in _CALENDAR_WORDS
        # "$20m" is an amount, not a model code.
        and not _SCALED_NUMBER_RE.fullmatch(tokens[i].lower)
    }
    # Places in the relations file are names even at the start of a sentence.
    places = lexicon().places
    subject_idx |= {i for i, t in enumerate(tokens) if t.text[:1].isupper() and t.lower in places}
    subject_terms: list[str] = []
    for i in sorted(subject_idx):
        if tokens[i].lower not in subject_terms:
            subject_terms.append(tokens[i].lower)
    lex = lexicon()
    subject_stem_of = tuple(lex.concept(stem(s)) for s in subject_terms)
    subject_stems = frozenset(subject_stem_of)

    upper_ok = _upper_informative(tokens)

    polar, flipped = _polar_words(tokens, upper_ok)
    negation_cues, negation_scope, negated_heads, verbs = _negations(
        tokens, upper_ok, in_qualifier, flipped
    )
    terms = _terms_of(read, quantities, upper_ok, verbs)

    direction_cues = _direction_cues(cleaned, tokens, subject_idx, in_qualifier, upper_ok)

    years = [y for y, _ in years_found] + [d.year for d in dates if d.year is not None]
    offsets = [offset for offset, _, _ in relative]
    if posted_year is not None:
        # A post's own date says which year "last year" was.
        years += [posted_year + offset for offset in offsets]
        offsets = []
    target_years = []
    for year, offset in years_found:
        prev = re.findall(r"[A-Za-z]+", cleaned[max(0, offset - 12) : offset].lower())
        if prev and prev[-1] in _TARGET_PREPS:
            target_years.append(year)
    return ClaimFeatures(
        text=text,
        normalized=" ".join(cleaned.lower().split()),
        tokens=tuple(t.lower for t in tokens),
        terms=tuple(terms),
        quantities=tuple(quantities),
        # Negated also when the negation flips a word with an opposite ("never approved").
        negated=bool(negation_cues) or any(len(p.split(":", 2)[2].split()) > 1 for p in polar),
        directions=tuple(dict.fromkeys(c.polarity for c in direction_cues)),
        years=tuple(dict.fromkeys(years)),
        dates=tuple(dict.fromkeys(d.iso for d in dates)),
        subject_terms=tuple(subject_terms),
        negation_cues=tuple(negation_cues),
        negation_scope=tuple(dict.fromkeys(negation_scope)),
        negated_heads=tuple(dict.fromkeys(negated_heads)),
        direction_cues=tuple(direction_cues),
        subject_stems=subject_stems,
        subject_stem_of=subject_stem_of,
        target_years=tuple(dict.fromkeys(target_years)),
        relative_years=tuple(dict.fromkeys(offsets)),
        posted_year=posted_year,
        is_post=posted_year is not None or looks_like_post(text),
        polar=tuple(polar),
        ranks=tuple(_ranks(tokens)),
        speakers=tuple(_speakers(tokens, subject_idx)),
    )


def _content_terms(
    tokens: list[Token],
    quantities: list[Quantity],
    upper_ok: bool,
    *,
    skip: set[int],
    in_factor: Callable[[Token], bool],
) -> list[str]:
    """Stemmed content words in order, duplicates kept (they are BM25 term frequency).

    Numbers inside a parsed quantity become its canonical value so that "800k"
    and "800,000" meet in the index. Synonyms become their group's term ("carrier" ->
    "airline"); negating verbs (``skip``) and growth factors ("tripled") are read as
    negation and figures instead.
    """
    quantity_at: dict[int, Quantity] = {q.start: q for q in quantities}
    lex = lexicon()
    terms: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower
        if is_stop(tok, upper_ok) or i in skip or in_factor(tok):
            continue
        q = quantity_at.get(tok.start) or quantity_at.get(tok.start - 1)
        if q is not None and (is_number(low) or re.fullmatch(r"[\d.,]+[kmb]n?", low)):
            terms.append(_canonical_number(q.value))
        elif is_number(low):
            terms.append(low.replace(",", ""))
        elif len(low) >= 2 or low.isdigit():
            terms.append(lex.concept(stem(low)))
    return terms


def _polar_words(tokens: list[Token], upper_ok: bool) -> tuple[list[str], set[int]]:
    """Words with an opposite, signed ("closed" = open:-1), and the negations they absorb.

    A negation right before such a word flips its sign instead of negating the claim, so
    "not safe" and "unsafe" agree and neither counts as a separate negation.
    """
    lex = lexicon()
    polar: list[str] = []
    absorbed: set[int] = set()
    for i, tok in enumerate(tokens):
        if is_stop(tok, upper_ok):
            continue
        found = lex.polarity(stem(tok.lower))
        if found is None:
            continue
        concept, sign = found
        word = tok.text
        j = i - 1
        # Only auxiliaries may stand between ("is not safe", "has not been approved").
        while j >= 0 and tokens[j].lower in _AUXILIARIES:
            j -= 1
        if j >= 0 and (tokens[j].lower in NEGATIONS or _negating_verb(tokens, j)):
            sign, word = -sign, f"{tokens[j].text} {tok.text}"
            absorbed.add(j)
        polar.append(f"{concept}:{sign}:{word}")
    return list(dict.fromkeys(polar)), absorbed


def _negating_verb(tokens: list[Token], i: int) -> bool:
    """A verb that denies what it governs ("refused to sign", "vetoed the bill")."""
    lex = lexicon()
    word = stem(tokens[i].lower)
    if word not in lex.negating:
        return False
    if word in lex.negating_need_to:
        return i + 1 < len(tokens) and tokens[i + 1].lower == "to"
    return True


def _ranks(tokens: list[Token]) -> list[str]:
    """Superlatives with their rank: "the hottest" 1, "the fifth hottest" 5."""
    lex = lexicon()
    out: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower
        superlative = low in lex.superlative_words and low not in {"most", "least"}
        if not superlative and not (
            low.endswith("est")
            and len(low) >= 6
            and low.isalpha()
            and low not in lex.not_superlative
        ):
            continue
        if low in lex.not_superlative:
            continue
        prev = tokens[i - 1].lower if i > 0 else ""
        rank = ordinal_value(prev) if prev else None
        phrase = f"{tokens[i - 1].text} {tok.text}" if rank else tok.text
        out.append(f"{stem(low)}:{rank or 1}:{phrase}")
    return out


def _speakers(tokens: list[Token], subject_idx: set[int]) -> list[str]:
    """Names the claim is attributed to: right before a reporting verb, or after "according to"."""
    lex = lexicon()
    lex_concept = lex.concept
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.lower == "according" and i + 1 < len(tokens) and tokens[i + 1].lower == "to":
            window = range(i + 2, min(len(tokens), i + 6))
        elif tok.lower not in NEGATIONS and stem(tok.lower) in lex.reporting:
            window = range(max(0, i - 3), i)
        else:
            continue
        out.extend(lex_concept(stem(tokens[j].lower)) for j in window if j in subject_idx)
    return list(dict.fromkeys(out))


def _negations(
    tokens: list[Token],
    upper_ok: bool,
    in_qualifier: Callable[[Token], bool],
    absorbed: set[int],
) -> tuple[list[str], list[str], list[str], set[int]]:
    """Negation phrases for reasons, the stems of what they negate (and of the first word
    each negates), and the negating verbs.

    Besides "not" and friends, verbs that deny what they govern ("refused to", "vetoed",
    "denied") negate; a negation ``absorbed`` by a word with an opposite ("not safe") is read
    as that word's sign instead.
    """
    lex = lexicon()
    cues: list[str] = []
    scope: list[str] = []
    heads: list[str] = []
    verbs: set[int] = set()
    for i, tok in enumerate(tokens):
        verb = _negating_verb(tokens, i)
        if verb:
            verbs.add(i)
        if (tok.lower not in NEGATIONS and not verb) or in_qualifier(tok) or i in absorbed:
            continue
        window = tokens[max(0, i - 1) : i + 2] if not verb else tokens[i : i + 2]
        cues.append(" ".join(t.text for t in window))
        # What is negated: the next few content words ("did not *sign* the deal").
        negated = [t for t in tokens[i + 1 : i + 6] if not is_stop(t, upper_ok)][:3]
        scope.extend(lex.concept(stem(t.lower)) for t in negated)
        if negated:
            heads.append(lex.concept(stem(negated[0].lower)))
    return cues, scope, heads, verbs


def _direction_cues(
    cleaned: str,
    tokens: list[Token],
    subject_idx: set[int],
    in_qualifier: Callable[[Token], bool],
    upper_ok: bool,
) -> list[DirectionCue]:
    cues: list[DirectionCue] = []

    lex = lexicon()

    def role_word(j: int) -> str | None:
        tok = tokens[j]
        # "Team A": a one-letter name after a capitalised word is a name, not the article.
        if len(tok.text) == 1 and tok.text.isupper() and j and tokens[j - 1].text[:1].isupper():
            return tok.lower
        if j in subject_idx:
            return lex.concept_of.get(stem(tok.lower), tok.lower)
        if is_stop(tok, upper_ok) or is_number(tok.lower) or tok.lower in NEGATIONS:
            return None
        return lex.concept(stem(tok.lower))

    roles: list[str | None] = []

    def sides(i: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if not roles:  # only for a text with a direction cue: most have none
            roles.extend(role_word(j) for j in range(len(tokens)))
        # The two things compared: what comes before the cue, and what follows "than" (or
        # the cue itself for a verb such as "outsells").
        than = next(
            (j for j in range(i + 1, min(len(tokens), i + 6)) if tokens[j].lower == "than"), i
        )
        left = tuple(w for w in roles[:i] if w)
        right = tuple(w for w in roles[than + 1 :] if w)
        return left, right

    for i, tok in enumerate(tokens):
        low = tok.lower
        if in_qualifier(tok) or low in NEGATIONS:
            continue
        nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
        prev = tokens[i - 1].lower if i > 0 else ""
        pol: str | None
        word = tok.text
        if stem(low) == "fall" and nxt in {"short", "behind"}:
            pol = "less"
            word = f"{tok.text} {tokens[i + 1].text}"
        elif low in {"up", "down"}:
            # Only "X is up/went down": as a particle ("make up", "up to") it is no direction.
            pol = low if prev in _MOTION and nxt != "to" else None
        else:
            pol = (
                _CUE_BY_WORD.get(low)
                or _CUE_BY_WORD.get(stem(low))
                or _CUE_BY_WORD.get(lex.concept_of.get(stem(low), ""))
            )
        if pol is None:
            continue
        if (
            pol in {"more", "less"}
            and low in {"more", "less", "fewer"}
            and nxt == "than"
            and i + 2 < len(tokens)
            and is_number(tokens[i + 2].lower)
        ):
            continue
        left, right = sides(i)
        passive = (
            stem(low) in _PASSIVE_CUES
            and prev in _BE
            and any(t.lower == "by" for t in tokens[i + 1 : i + 3])
        )
        if passive:
            left, right = right, left
        cues.append(DirectionCue(pol, word, left, right))

    for m in _AS_AS_RE.finditer(cleaned):
        # "60% as fast as X" says slower than X; "twice as fast as X" says faster.
        if m.group("num"):
            ratio = float(m.group("num")) / 100.0
        else:
            word = m.group("word").lower()
            ratio = 0.5 if word == "half" else 2.0
        if ratio == 1.0:
            continue
        pos = next((i for i, t in enumerate(tokens) if t.start >= m.start()), len(tokens))
        left, right = sides(pos)
        cues.append(DirectionCue("less" if ratio < 1 else "more", m.group(0), left, right))
    return cues


def family(polarity: str) -> str:
    """The axis a polarity lives on ("up"/"down" -> "change")."""
    return _FAMILY_OF.get(polarity, polarity)


def index_term_counts(features: ClaimFeatures) -> dict[str, int]:
    """``index_terms`` with how often each occurs in the claim (BM25 term frequency).

    Storing the count next to each term lets a database index rank like the
    in-memory one; a claim whose title repeats its key words ranks higher for them.
    """
    counts: dict[str, int] = {}
    for term in features.terms:
        counts[term] = counts.get(term, 0) + 1
    return {term: counts[term] for term in index_terms(features)}


def index_terms(features: ClaimFeatures) -> list[str]:
    """Distinct terms for a database inverted index, most distinctive first, capped.

    Subject terms and identifiers go first so that a long text truncated at the
    cap still keeps what it is about.
    """
    distinct = list(dict.fromkeys(features.terms))
    subject_first = [t for t in distinct if t in features.subject_stems]
    rest = [t for t in distinct if t not in features.subject_stems]
    return (subject_first + rest)[:MAX_INDEX_TERMS]
