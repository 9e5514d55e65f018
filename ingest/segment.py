"""Sentences of a body with exact character offsets, and which ones repeat an earlier passage.

syntok (a maintained rule-based segmenter) finds the boundaries; its tokens carry offsets into
the original string, so a sentence is the span from its first token's start to its last
token's end and ``body[start:end]`` is always the sentence itself, quotes and all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syntok import segmenter

__all__ = ["Span", "sentences"]

_SPACE = re.compile(r"\s+")
# A "sentence" of only punctuation or symbols (a divider line, a lone bullet) is not a sentence.
_HAS_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Span:
    """One sentence: its offsets in the body, its text, and the earlier sentence it repeats."""

    index: int
    start: int
    end: int
    text: str
    repeat_of: int | None = None


def _key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def sentences(body: str) -> list[Span]:
    """Split ``body`` into sentences; a sentence whose words already appeared is marked.

    A repeat is the same wording (spacing and case aside) as an earlier sentence of the body,
    which is how a page that prints its text twice, or a pull-quote, shows up.
    """
    spans: list[Span] = []
    first_seen: dict[str, int] = {}
    for paragraph in segmenter.analyze(body):
        for sentence in paragraph:
            if not sentence:
                continue
            start = sentence[0].offset
            last = sentence[-1]
            end = last.offset + len(last.value)
            text = body[start:end]
            if not _HAS_WORD.search(text):
                continue
            key = _key(text)
            repeat_of = first_seen.get(key)
            if repeat_of is None:
                first_seen[key] = len(spans)
            spans.append(Span(len(spans), start, end, text, repeat_of))
    return spans
