"""Text normalisation, tokenisation, stopwords and a light English stemmer over lemmas.

Everything downstream (quantity parsing, subject detection, the inverted index and
the pair classifier) works from the output of this module, so the rules here are
deliberately conservative: they only remove noise that never carries claim meaning
(links, social-media embed footers, typographic variants) and never guess at
synonyms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import simplemma

__all__ = [
    "STOPWORDS",
    "Token",
    "clean_text",
    "clean_text_with_posted_year",
    "is_identifier",
    "is_number",
    "looks_like_post",
    "stem",
    "tokenize",
    "word_pairs",
    "words",
]

# Typographic variants that people type interchangeably; folding them keeps a
# quoted tweet and a cleanly edited claim comparable.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2026": "...",
    }
)

_URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
# Embedded tweets end with "- Author (@handle) Month day, year"; the author and the
# posting date describe the post, not the claim, and would otherwise look like a
# subject and an event date.
_EMBED_FOOTER_RE = re.compile(
    r"\s-\s[^-\n]{0,80}\(@\w{1,30}\)\s*(?P<posted>[A-Z][a-z]+\.?\s+\d{1,2},\s+(?P<year>\d{4}))\s*$"
)
# Some corpora use Penn-Treebank bracket escapes.
_PTB_RE = re.compile(r"-(LRB|RRB|LSB|RSB|LCB|RCB)-")
_PTB_MAP = {"LRB": "(", "RRB": ")", "LSB": "[", "RSB": "]", "LCB": "{", "RCB": "}"}
_HASH_MENTION_RE = re.compile(r"(?<![\w])[#@]([A-Za-z][A-Za-z0-9_]*)")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPACES_RE = re.compile(r"\s+")


def _split_tag(match: re.Match[str]) -> str:
    # "#GeorgeSoros" and "@realDonaldTrump" carry words people also write plainly.
    body = match.group(1).replace("_", " ")
    return _CAMEL_RE.sub(" ", body)


def clean_text(text: str) -> str:
    """Return ``text`` with typographic noise, links and embed footers removed.

    Case is preserved because capitalisation is evidence for subject detection.
    """
    return clean_text_with_posted_year(text)[0]


def clean_text_with_posted_year(text: str) -> tuple[str, int | None]:
    """``clean_text`` plus the year from a removed embed footer, if there was one.

    The posting year is context (when the claim circulated), not something the
    claim asserts, so callers keep it apart from the claim's own dates.
    """
    out = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    out = _PTB_RE.sub(lambda m: _PTB_MAP[m.group(1)], out)
    out = _URL_RE.sub(" ", out)
    out = _SPACES_RE.sub(" ", out).strip()
    posted: int | None = None
    footer = _EMBED_FOOTER_RE.search(out)
    if footer is not None:
        posted = int(footer.group("year"))
        out = out[: footer.start()]
    out = _HASH_MENTION_RE.sub(_split_tag, out)
    # Tokenised corpora split possessives and contractions ("Huawei ' s", "don ' t").
    out = re.sub(r"(\w) ' (s|t|re|ve|ll|d|m)\b", r"\1'\2", out)
    return _SPACES_RE.sub(" ", out).strip(), posted


def looks_like_post(text: str) -> bool:
    """Whether a text carries social-media markup: a link, an embed footer, #tags or @handles.

    A post is a container: it may carry a claim among chatter, so whether it repeats a claim
    is judged by how much of the claim it covers, not by how much more it says.
    """
    return bool(
        _URL_RE.search(text) or _EMBED_FOOTER_RE.search(text) or _HASH_MENTION_RE.search(text)
    )


# A compact general-purpose English stopword list (function words only).  Negation
# words and direction words are intentionally absent: they carry claim polarity.
def word_pairs(spec: str) -> dict[str, str]:
    """Parse "key:value key:value" word lists into a dict."""
    return dict(pair.split(":", 1) for pair in spec.split())


def words(spec: str) -> tuple[str, ...]:
    """Split a whitespace-separated word list (keeps long lexicons compact and diffable)."""
    return tuple(spec.split())


STOPWORDS: frozenset[str] = frozenset(
    words(
        """
    a about above after again against all also am an and any are as at be because been
    before being between both but by can could did do does doing done during each else
    etc ever every for from further had has have having he her here hers herself him
    himself his how however i if in into is it its itself just let like may me might
    mine must my myself of off on once only onto or other others our ours ourselves out
    own per rt said same say says she should since so some such than that the their
    theirs them themselves then there these they this those though through thus to too
    until upon us very via was we were what when where whether which while who whom
    whose why will with within would yet you your yours yourself yourselves s t re ve
    ll d m amp get got gets one ones
    """
    )
)

# "not" and friends: kept as tokens (so negation is visible) but never index terms.
NEGATIONS: frozenset[str] = frozenset(
    words(
        "not no never none nobody nothing neither nor cannot without"
        # Negative-polarity adverbs deny their predicate just as "not" does.
        " barely hardly scarcely"
    )
)

# A capitalised short prefix, a hyphen and a small number is a model code ("F-35", "GPT-4",
# "MiG-29", "COVID-19"): one token, so the number stays part of the name instead of being
# dropped and leaving "F-35" and "F-16" with the same subject "f". Prefixes that make a
# hyphenated figure ("Top-10", "Under-18s", "Mid-2025") are not names.
_CODE_RE = (
    r"(?P<code>(?!(?:Top|Mid|Pre|Post|Non|Anti|Ex|Over|Under|Sub|Up|Day|Week|Year)-)"
    r"[A-Z][A-Za-z]{0,4}-[0-9]{1,3}[A-Za-z]?(?![0-9.,]?[0-9A-Za-z]))"
)
_TOKEN_RE = re.compile(_CODE_RE + r"|[A-Za-z0-9]+(?:[.,][0-9]+)*(?:'[A-Za-z]+)?")


@dataclass(frozen=True)
class Token:
    """One word of the cleaned text with its character span and original casing."""

    text: str
    lower: str
    start: int
    end: int
    sentence_start: bool


_SENTENCE_GAP_RE = re.compile(r"[.!?:;]\s*$|[.!?]\s")


def tokenize(text: str) -> list[Token]:
    """Split cleaned text into word tokens, expanding "n't" into a separate "not"."""
    tokens: list[Token] = []
    at_start = True
    pos = 0
    for match in _TOKEN_RE.finditer(text):
        between = text[pos : match.start()]
        if between and (_SENTENCE_GAP_RE.search(between) or "\n" in between):
            at_start = True
        pos = match.end()
        word = match.group(0)
        lower = word.lower()
        if match.group("code"):
            code = lower.replace("-", "")
            # "AR-15s" are several AR-15s, not another model.
            code = code[:-1] if word.endswith("s") and word[-2].isdigit() else code
            tokens.append(Token(word, code, match.start(), match.end(), at_start))
            at_start = False
            continue
        if "'" in lower:
            head, _, tail = lower.partition("'")
            if tail == "t" and head.endswith("n"):
                # "didn't" -> "did" + "not"; "can't" -> "can" + "not".
                stem_part = head[:-1] if head not in {"can", "won"} else head
                if stem_part == "won":
                    stem_part = "will"
                tokens.append(Token(stem_part, stem_part, match.start(), match.end(), at_start))
                tokens.append(Token("not", "not", match.start(), match.end(), False))
                at_start = False
                continue
            lower = head
            word = word.split("'", 1)[0]
        # Thousands separators and decimals belong to numbers, not words.
        if ("." in lower or "," in lower) and not any(ch.isdigit() for ch in lower):
            # What follows the first point or comma is not part of the word.
            cut = min(i for i in (lower.find("."), lower.find(",")) if i >= 0)
            lower = lower[:cut]
        tokens.append(Token(word, lower, match.start(), match.end(), at_start))
        at_start = False
    return tokens


def is_number(word: str) -> bool:
    """True for plain numerals such as "60", "800,000" or "1.6"."""
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)*", word))


@functools.lru_cache(maxsize=65536)
def is_identifier(word: str) -> bool:
    """True for model-style codes that mix letters and digits ("910c", "h100", "qwen3")."""
    has_digit = any(ch.isdigit() for ch in word)
    has_alpha = any(ch.isalpha() for ch in word)
    return has_digit and has_alpha and not re.fullmatch(r"\d+(?:st|nd|rd|th|s)", word)


_VOWELS = set("aeiouy")


def _has_vowel(word: str) -> bool:
    return any(ch in _VOWELS for ch in word)


def _undouble(word: str) -> str:
    # "stopped" -> "stopp" -> "stop"; but keep "ll"/"ss"/"zz" words like "fall".
    if (
        len(word) >= 3
        and word[-1] == word[-2]
        and word[-1] not in "lsz"
        and word[-1] not in _VOWELS
    ):
        return word[:-1]
    return word


# Derivational endings, longest first; each maps to what replaces it.  The goal is
# only that inflected and derived forms of a word meet in one index term.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ousness", "ous"),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("ations", "ate"),
    ("ation", "ate"),
    ("ative", ""),
    ("ances", ""),
    ("ences", ""),
    ("ance", ""),
    ("ence", ""),
    ("ities", ""),
    ("ity", ""),
    ("ness", ""),
    ("ously", "ous"),
    ("ively", "ive"),
    ("fully", "ful"),
    ("ally", "al"),
    ("ly", ""),
)

_IRREGULAR: dict[str, str] = word_pairs(
    "rose:rise risen:rise fell:fall fallen:fall grew:grow grown:grow"
    " shrank:shrink shrunk:shrink sank:sink won:win lost:lose built:build"
    " sold:sell bought:buy paid:pay made:make said:say told:tell went:go"
    " gone:go ran:run began:begin begun:begin wrote:write written:write"
    " spoke:speak spoken:speak took:take taken:take gave:give given:give"
    " saw:see seen:see men:man women:woman children:child people:person"
    " died:die dies:die dying:die lying:lie better:good best:good worse:bad"
    " worst:bad data:data news:news series:series species:species least:least media:media"
)


# Cached: the same few thousand words are stemmed again for every claim and every pair
# compared, and the function is pure.
@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Reduce an English word to a crude stem so that inflections share one term.

    Numbers and identifiers pass through untouched: "910c" must never meet "910".
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word in _IRREGULAR:
        w = _IRREGULAR[word]
        return w[:-1] if w.endswith("e") and len(w) > 3 else w
    # The dictionary lemma first (simplemma: "upheld" -> "uphold", "using" -> "use"), so
    # irregular forms meet their base; the suffix rules below then fold derivations.
    lemma = simplemma.lemmatize(word, lang="en")
    w = lemma if lemma.isalpha() and lemma.islower() and len(lemma) > 1 else word
    # Plurals and third person.
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "shes", "ches", "xes", "zzes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")) and len(w) > 3:
        w = w[:-1]
    # Past tense and progressive.
    if w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("eed"):
        pass
    elif w.endswith("ed") and _has_vowel(w[:-2]) and len(w) > 4:
        w = _undouble(w[:-2])
    elif w.endswith("ing") and _has_vowel(w[:-3]) and len(w) > 5:
        w = _undouble(w[:-3])
    for suffix, repl in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            break
    # Silent final "e" and "y"/"i" alternation: "release"/"released", "deny"/"denied".
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if w.endswith("y") and len(w) > 3 and w[-2] not in _VOWELS:
        w = w[:-1] + "i"
    return w
