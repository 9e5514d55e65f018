"""Analysed claims as text, so a claim analysed once is never analysed again to compare with.

``dumps`` keeps what the classifier reads (terms, figures, dates, polarity, directions,
subjects, and the newsroom-language layer: words with opposites, ranked superlatives,
speakers); the text itself, its normalised form and its tokens stay out, since the text is
stored beside it anyway and comparing never reads them. ``loads(dumps(f))`` classifies
exactly as ``f`` does. JSON with infinities (an open interval such as "more than 5"), hence
text, not a JSON column.
"""

from __future__ import annotations

import json

from .features import ClaimFeatures, DirectionCue
from .quantities import Quantity

__all__ = ["dumps", "loads"]

# Bumped when the layout changes; a stored analysis of another layout is analysed afresh.
LAYOUT = 4


def dumps(f: ClaimFeatures) -> str:
    """``f`` as one line of JSON (without its text, normalised text and tokens)."""
    return json.dumps(
        [
            LAYOUT,
            f.terms,
            [
                [q.value, q.low, q.high, q.unit, q.raw, q.low_open, q.high_open, q.start]
                for q in f.quantities
            ],
            f.negated,
            f.directions,
            f.years,
            f.dates,
            f.subject_terms,
            f.negation_cues,
            f.negation_scope,
            [[c.polarity, c.word, c.left, c.right] for c in f.direction_cues],
            sorted(f.subject_stems),
            f.target_years,
            f.posted_year,
            f.is_post,
            f.subject_stem_of,
            f.polar,
            f.ranks,
            f.speakers,
            f.relative_years,
            f.negated_heads,
        ],
        separators=(",", ":"),
    )


def loads(data: str, text: str = "") -> ClaimFeatures | None:
    """The features ``dumps`` wrote, with ``text`` as their text; None for another layout."""
    row = json.loads(data)
    if not row or row[0] != LAYOUT:
        return None
    (
        _,
        terms,
        quantities,
        negated,
        directions,
        years,
        dates,
        subjects,
        cues,
        scope,
        direction_cues,
        stems,
        target_years,
        posted_year,
        is_post,
        subject_stem_of,
        polar,
        ranks,
        speakers,
        relative,
        heads,
    ) = row
    return ClaimFeatures(
        text=text,
        normalized="",
        tokens=(),
        terms=tuple(terms),
        quantities=tuple(
            Quantity(value, low, high, unit, raw, low_open, high_open, start)
            for value, low, high, unit, raw, low_open, high_open, start in quantities
        ),
        negated=negated,
        directions=tuple(directions),
        years=tuple(years),
        dates=tuple(dates),
        subject_terms=tuple(subjects),
        negation_cues=tuple(cues),
        negation_scope=tuple(scope),
        direction_cues=tuple(
            DirectionCue(polarity, word, tuple(left), tuple(right))
            for polarity, word, left, right in direction_cues
        ),
        subject_stems=frozenset(stems),
        target_years=tuple(target_years),
        posted_year=posted_year,
        is_post=is_post,
        subject_stem_of=tuple(subject_stem_of),
        polar=tuple(polar),
        ranks=tuple(ranks),
        speakers=tuple(speakers),
        relative_years=tuple(relative),
        negated_heads=tuple(heads),
    )
