"""Who a sentence says made the claim: "according to Barclays", "Zhang argues", "said Dr. Lee".

A guess an editor confirms: the candidate's Accept form is prefilled with it and can be
changed or cleared. Only a capitalised name counts, so "he said" or "analysts say" give
nothing (the desk records vague attributions as the source's own voice).
"""

from __future__ import annotations

import re

__all__ = ["attributed_to"]

# A name: up to five capitalised words, allowing "of"/"the"/"and" inside ("Bank of England",
# "Bureau of Industry and Security") and initials or titles with a full stop ("Dr.", "J.").
_WORD = r"(?:[A-Z][\w\u2019'.-]*)"
_JOIN = r"(?:of\s+(?:the\s+)?|and\s+|for\s+|de\s+|van\s+|von\s+)"
_NAME = rf"(?P<name>{_WORD}(?:\s+{_JOIN}?{_WORD}){{0,5}})"
_VERBS = (
    r"(?:said|says|say|argues|argued|claims|claimed|told|tells|warned|warns|wrote|writes|"
    r"stated|states|announced|announces|reported|reports|estimates|estimated|insists|"
    r"insisted|noted|notes|believes|suggests|suggested|added|explained)"
)
_PATTERNS = (
    re.compile(rf"\b[Aa]ccording to (?:the\s+)?{_NAME}"),
    re.compile(rf"{_NAME}(?:,[^,]{{1,80}},)?\s+{_VERBS}\b"),
    # Inverted order only after a quotation: '"...," said Dr. Lee'.
    re.compile(rf"[,\"\u201d\u2019]\s*{_VERBS}\s+{_NAME}"),
)
# Capitalised words that start sentences or name no one.
_NOT_NAMES = frozenset(
    {
        "He", "She", "It", "They", "We", "I", "You", "This", "That", "These", "Those", "The",
        "A", "An", "In", "On", "At", "But", "And", "Yet", "Still", "Analysts", "Experts",
        "Officials", "Critics", "Observers", "Reports", "Some", "Many", "Most", "Others",
    }
)  # fmt: skip
_POSSESSIVE = re.compile(r"[\u2019']s$")


def _clean(name: str) -> str:
    words = name.split()
    while words and words[0] in _NOT_NAMES:
        words.pop(0)
    cleaned = " ".join(words).rstrip(".,;:")
    return _POSSESSIVE.sub("", cleaned)


def attributed_to(sentence: str) -> str:
    """The name the sentence credits with what it says, or "" when it names no one."""
    for pattern in _PATTERNS:
        for found in pattern.finditer(sentence):
            name = _clean(found.group("name"))
            if name:
                return name[:200]
    return ""
