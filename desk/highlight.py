"""Marks, in both texts of a flagged pair, the words and figures the flag's reasons name.

The engine stores its evidence with each flag (``Flag.details``: the matched figures with
their status, the shared subject words, which side is negated, the directions). Those are
read here and located in the texts as the editor sees them; a flag stored without details
(an older engine, a hand-made flag) is classified again, which is cheap and pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims import engine
from claims.engine.normalize import NEGATIONS, stem, tokenize

# Mark kinds, with the legend an editor reads beside the texts.
KINDS: dict[str, str] = {
    "differ": "Figures that differ",
    "same": "The same figure",
    "consistent": "Consistent figures",
    "oneside": "A figure on one side only",
    "negation": "Negation",
    "direction": "Direction",
    "subject": "Shared subject",
}
# When two marks overlap, the one more telling for the decision wins.
_PRECEDENCE = ("differ", "negation", "direction", "oneside", "consistent", "same", "subject")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Highlighted:
    """The two texts as HTML with ``<mark>`` around the evidence, and the kinds used."""

    a: SafeString
    b: SafeString
    kinds: list[tuple[str, str]]


def _find(text: str, raw: str) -> Iterable[tuple[int, int]]:
    """Where ``raw`` (a figure as the engine read it) occurs in ``text``, ignoring case and
    spacing: the engine reads a cleaned copy of the text (spaces collapsed)."""
    words = raw.split()
    if not words:
        return []
    pattern = r"\s*".join(re.escape(w) for w in words)
    # Not inside a longer number or word: "60" must not mark the "60" of "160".
    regex = re.compile(rf"(?<![\w.,]){pattern}(?![\w])", re.IGNORECASE)
    return [(m.start(), m.end()) for m in regex.finditer(text)]


def _details(text_a: str, text_b: str, stored: dict[str, Any]) -> dict[str, Any]:
    if stored.get("quantities") is not None or stored.get("shared_subject_terms") is not None:
        return stored
    return dict(engine.classify(engine.analyze(text_a), engine.analyze(text_b)).details)


def _spans(text: str, side: str, details: dict[str, Any], reasons: list[str]) -> list[Span]:
    spans: list[Span] = []
    for match in details.get("quantities") or []:
        status = str(match.get("status", ""))
        kind = status if status in ("differ", "same", "consistent") else "differ"
        spans += [Span(s, e, kind) for s, e in _find(text, str(match.get(side, "")))]
    for raw in details.get(f"unmatched_quantities_{side}") or []:
        spans += [Span(s, e, "oneside") for s, e in _find(text, str(raw))]
    tokens = tokenize(text)
    subject = {stem(str(w).lower()) for w in details.get("shared_subject_terms") or []}
    spans += [Span(t.start, t.end, "subject") for t in tokens if stem(t.lower) in subject]
    # A negation matters when only one side has it; both negated is no conflict.
    if details.get("negated_a") != details.get("negated_b") and details.get(f"negated_{side}"):
        spans += [Span(t.start, t.end, "negation") for t in tokens if t.lower in NEGATIONS]
    if any("direction" in r.lower() for r in reasons):
        for cue in engine.analyze(text).direction_cues:
            spans += [Span(s, e, "direction") for s, e in _find(text, cue.word)]
    return spans


def _render(text: str, spans: list[Span]) -> SafeString:
    rank = {kind: i for i, kind in enumerate(_PRECEDENCE)}
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (rank[s.kind], s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    out: list[str] = []
    pos = 0
    for span in sorted(chosen, key=lambda s: s.start):
        out.append(escape(text[pos : span.start]))
        out.append(
            f'<mark class="hl hl-{span.kind}" title="{escape(KINDS[span.kind])}">'
            f"{escape(text[span.start : span.end])}</mark>"
        )
        pos = span.end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def highlight_pair(
    text_a: str, text_b: str, *, details: dict[str, Any], reasons: list[str]
) -> Highlighted:
    """Both texts with the flag's evidence marked (``a`` is the pair's lower-id claim)."""
    evidence = _details(text_a, text_b, details or {})
    spans_a = _spans(text_a, "a", evidence, reasons)
    spans_b = _spans(text_b, "b", evidence, reasons)
    used = {s.kind for s in spans_a + spans_b}
    return Highlighted(
        a=_render(text_a, spans_a),
        b=_render(text_b, spans_b),
        kinds=[(kind, label) for kind, label in KINDS.items() if kind in used],
    )
