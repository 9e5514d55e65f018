"""Typo tolerance for ranking: a query term no other claim holds is looked up one edit away.

A misspelt word ("goverment", "anounced") becomes an index term no stored claim has, so BM25
simply loses it, and with it often the rarest, most telling word of the query. Such a term is
expanded to the index terms one edit away (a letter deleted, inserted, replaced, or two
neighbours swapped: Damerau-Levenshtein distance 1), which stand in for it in the ranking
at a discount. Only terms the index does not know are expanded, so a correctly spelt query
ranks exactly as before; the candidates are looked up in the mirror's own vocabulary (one
dictionary probe each, a few hundred per expanded term), so nothing is kept beside it.

``misspell`` makes the typo'd queries ``evaluate_repeats --typos`` measures this with.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

# Shorter terms have too many neighbours one edit away ("cat": bat, car, cut ...) to guess
# which one was meant.
MIN_LENGTH = 4
# A guess counts for less than a term the query really has.
WEIGHT = 0.8
# At most this many stand-ins per term, the most frequent first: a misspelling is far more
# often of a common word than of a rare one.
MAX_VARIANTS = 3
# At most this many terms of one query are expanded, the longest first (a long word carries
# more and is misspelt more often): each costs a few hundred strings to build and look up.
MAX_EXPANDED = 3

_LETTERS = string.ascii_lowercase
_WORD = re.compile(r"[A-Za-z]{3,}")


def eligible(term: str) -> bool:
    """Whether a term is worth expanding: letters only (not a figure, a code or a date)."""
    return len(term) >= MIN_LENGTH and term.isascii() and term.isalpha()


def one_edit(term: str) -> set[str]:
    """Every string one edit away from ``term`` (not ``term`` itself)."""
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    found |= {a + c + b for a, b in splits for c in _LETTERS}
    found.discard(term)
    return found


def variants(
    term: str, known: Callable[[set[str]], dict[str, int]], exclude: set[str]
) -> list[str]:
    """The index terms one edit away from ``term``, most frequent first, at most
    ``MAX_VARIANTS``; ``exclude`` (the query's own terms) left out. ``known`` gives those of
    a set of strings the index holds, with their document frequencies."""
    if not eligible(term):
        return []
    found = [(n, v) for v, n in known(one_edit(term) - exclude).items() if n > 0]
    found.sort(key=lambda item: (-item[0], item[1]))
    return [v for _, v in found[:MAX_VARIANTS]]


def misspell(text: str, *, rate: float, rng: random.Random) -> str:
    """``text`` with each word of three letters or more misspelt with probability ``rate``:
    one letter deleted, doubled, replaced by a random letter, or swapped with the next."""

    def edit(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= rate:
            return word
        i = rng.randrange(len(word))
        kind = rng.randrange(4)
        if kind == 0:
            return word[:i] + word[i + 1 :]
        if kind == 1:
            return word[: i + 1] + word[i] + word[i + 1 :]
        if kind == 2:
            return word[:i] + rng.choice(_LETTERS) + word[i + 1 :]
        i = min(i, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    return _WORD.sub(edit, text)
