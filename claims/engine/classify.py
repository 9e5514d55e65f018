"""Decide how two claims relate: repeat, conflict, compatible or unrelated.

The classifier is rule-based on purpose: every decision has to be explained to
an editor, so each rule that fires leaves a sentence in ``reasons`` and the raw
evidence in ``details``.  The order of reasoning is

1. how much the two texts share (weighted lexical overlap, optionally raised by
   an external similarity such as an embedding cosine, rescaled);
2. whether they are about the same subject (a different model code such as
   910C vs 910D makes them merely related);
3. whether anything makes them incompatible (numbers whose intervals do not
   overlap, negation on one side only, opposite direction, another date);
4. whether what remains says the same thing (repeat) or just something related.

Two regimes decide step 4.  Two statements repeat each other only when nearly all
of their content matches (or, with the semantic tier, when their embeddings are
very close and they still share some words): same-topic statements sharing many
terms are related, not the same claim.  A social-media post (links, #tags,
@handles, an embed footer) is a container that may carry a claim among chatter,
so it repeats a claim when it covers enough of it and nothing contradicts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .compare import (
    compare_dates,
    compare_directions,
    compare_polar,
    compare_ranks,
    compare_subjects,
    denied_alone,
    lexical_similarity,
    match_quantities,
)
from .features import ClaimFeatures

__all__ = ["LABELS", "Label", "PairResult", "Thresholds", "classify"]

Label = Literal["repeat", "conflict", "compatible", "unrelated"]
LABELS: tuple[Label, ...] = ("repeat", "conflict", "compatible", "unrelated")


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the 0..1 similarity scale.

    repeat:   minimum similarity (after quantity bonuses) to call two claims the same
    related:  minimum similarity for two claims to be about the same thing at all
    conflict: minimum similarity before a contradiction cue (number, negation,
              direction, date) is trusted; below it the cue is more likely to come
              from an unrelated part of a long text
    """

    repeat: float = 0.7
    related: float = 0.2
    conflict: float = 0.45
    # A post (links, #tags, an embed footer) repeats a claim when it covers enough of it:
    # the post's chatter around the claim is not a difference in what is claimed.
    post_repeat: float = 0.12
    # Embedding cosines (all-MiniLM-L6-v2): two statements on one topic often reach 0.7, so
    # a paraphrase needs more, and some words in common as an anchor.
    semantic_repeat: float = 0.8
    semantic_post_repeat: float = 0.5
    # Shared content words that tie a post to a claim whatever its length (a float so
    # that settings can override every threshold with a number).
    post_shared_terms: float = 3.0
    # Cosine below which two texts share nothing in particular; 0..1 overlap is read off
    # the cosine above it.
    semantic_floor: float = 0.4
    semantic_min_lexical: float = 0.3
    # Similarity credit for each figure both claims state identically (max two).
    same_quantity_bonus: float = 0.12
    # Above this (symmetric, Dice) overlap a negation on one side conflicts whatever
    # it applies to; below it, only when the negated words also appear on the other side.
    negation_any_scope_similarity: float = 0.8
    # A figure stated by one claim only means the other does not make the same
    # measurable assertion ("downloaded 5 million times" vs "downloaded"), so the
    # pair is not a repeat unless similarity exceeds this (1.0 = never).
    one_sided_figure_similarity: float = 1.0
    # A repeat needs both claims to carry a similar amount of content; below this
    # ratio the longer one says more (it may entail the shorter, but is not the same).
    repeat_length_ratio: float = 0.4


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class PairResult:
    """The verdict for a pair, with an editor-readable explanation."""

    label: Label
    score: float
    reasons: tuple[str, ...]
    details: dict[str, object]


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _fmt_terms(terms: list[str], limit: int = 8) -> str:
    shown = ", ".join(terms[:limit])
    return shown + (", ..." if len(terms) > limit else "")


def _order_key(f: ClaimFeatures) -> tuple[object, ...]:
    return (
        f.terms,
        tuple(q.raw for q in f.quantities),
        f.dates,
        f.years,
        f.negation_cues,
        f.polar,
        f.ranks,
        f.subject_terms,
        f.is_post,
    )


def classify(
    a: ClaimFeatures,
    b: ClaimFeatures,
    *,
    similarity: float | None = None,
    thresholds: Thresholds | None = None,
) -> PairResult:
    """Label the relation between two analysed claims.

    ``similarity`` is an optional external score in 0..1 (e.g. from embeddings);
    it can only raise the lexical similarity, never lower it, so that a weak
    embedding model cannot hide an obvious lexical repeat.

    The decision is symmetric: the pair is always reasoned about in one fixed order (by
    content), and for the other order the reasons and details are mirrored ("A vs B"
    becomes "B vs A"), so a pair found from either side gets the same label and score.
    """
    flip = _order_key(b) < _order_key(a)
    first, second = (b, a) if flip else (a, b)
    result = _classify(first, second, similarity, thresholds or DEFAULT_THRESHOLDS, flip)
    if flip:
        result = PairResult(result.label, result.score, result.reasons, _mirrored(result.details))
    return result


def _mirrored(details: dict[str, object]) -> dict[str, object]:
    """``details`` of (b, a) read as (a, b): every "_a" entry swapped with its "_b"."""
    out: dict[str, object] = {}
    for key, value in details.items():
        other = (
            key.replace("only_a_", "only_@_")
            .replace("only_b_", "only_a_")
            .replace("only_@_", "only_b_")
            if key.startswith("only_")
            else key[:-2] + ("_b" if key.endswith("_a") else "_a")
            if key.endswith(("_a", "_b"))
            else key
        )
        if key == "quantities" and isinstance(value, list):
            value = [_swap_quantity(m) for m in value]
        out[other] = value
    return out


def _swap_quantity(match: object) -> object:
    if not isinstance(match, dict):
        return match
    swapped = dict(match)
    for x, y in (("a", "b"), ("a_interval", "b_interval"), ("unit_a", "unit_b")):
        swapped[x], swapped[y] = match.get(y), match.get(x)
    return swapped


def _classify(
    a: ClaimFeatures,
    b: ClaimFeatures,
    similarity: float | None,
    th: Thresholds,
    flip: bool,
) -> PairResult:
    """``classify`` for (a, b) in its fixed order; ``flip`` writes the reasons as (b, a)."""

    def ab(x: str, y: str, sep: str = " vs ") -> str:
        return f"{y}{sep}{x}" if flip else f"{x}{sep}{y}"

    reasons: list[str] = []
    lex = lexical_similarity(a, b)
    sim = lex.score
    cos = None if similarity is None else _clip(float(similarity))
    post = a.is_post or b.is_post
    if cos is not None:
        # Embedding cosines run higher than word overlap (two claims on one topic reach
        # 0.6-0.7), so they are rescaled before standing in for it.  In a post the cosine
        # mixes the chatter in, so it never makes a contradiction cue count there.
        scaled = max(0.0, (cos - th.semantic_floor) / (1.0 - th.semantic_floor))
        if not post:
            sim = max(sim, scaled)
    subjects = compare_subjects(a, b, lex)
    quantities = match_quantities(a, b)
    dates = compare_dates(a, b)
    directions = compare_directions(a, b)
    # A post argues around a claim ("X is NOT closing" under "X is shutting down"); its
    # opposite words are not a contradiction of the claim it carries.
    opposites = [] if post else compare_polar(a, b)
    ranks = compare_ranks(a, b)
    details: dict[str, object] = {
        "similarity": round(sim, 4),
        "lexical_similarity": round(lex.score, 4),
        "external_similarity": similarity,
        "shared_terms": sorted(lex.shared),
        "length_ratio": round(lex.length_ratio, 4),
        "predicate_coverage": round(lex.predicate_coverage, 4),
        "shared_subject_terms": subjects.shared,
        "only_a_subject_terms": subjects.only_a,
        "only_b_subject_terms": subjects.only_b,
        "different_subject": subjects.different,
        "quantities": [m.as_dict() for m in quantities.matches],
        "unmatched_quantities_a": [q.raw for q in quantities.only_a],
        "unmatched_quantities_b": [q.raw for q in quantities.only_b],
        "negated_a": a.negated,
        "negated_b": b.negated,
        "directions_a": list(a.directions),
        "directions_b": list(b.directions),
        "years_a": list(a.years),
        "years_b": list(b.years),
        "dates_a": list(a.dates),
        "dates_b": list(b.dates),
    }

    def result(label: Label, score: float) -> PairResult:
        details["label"] = label
        return PairResult(label, round(_clip(score), 4), tuple(reasons), details)

    if subjects.shared:
        reasons.append(f"Same subject: {_fmt_terms(subjects.shared)}")
    elif lex.shared:
        reasons.append(f"Shared words: {_fmt_terms(sorted(lex.shared))}")
    # A post dilutes any overlap score with its chatter; several shared words still tie it
    # to the claim.
    post_anchor = post and (
        len(lex.shared) >= th.post_shared_terms
        or lex.score >= th.post_repeat
        or (cos is not None and cos >= th.semantic_post_repeat)
    )
    related = (
        sim >= th.related or (bool(subjects.shared) and sim >= th.related * 0.75) or post_anchor
    )
    if not related:
        reasons.append(f"Little in common (similarity {sim:.2f} below {th.related:.2f})")
        return result("unrelated", 1.0 - sim / max(th.related, 1e-9) * 0.5)

    # A post names whoever it likes around the claim, so a name on one side only is not
    # another subject there; a different model code still is.
    if subjects.different and not (post and subjects.why == "names"):
        reasons.append(
            "Different subject: " + ab(_fmt_terms(subjects.only_a), _fmt_terms(subjects.only_b))
        )
        return result("compatible", 0.5 + 0.4 * min(sim, 1.0))

    differing = [m for m in quantities.matches if m.status == "differ"]
    consistent = [m for m in quantities.matches if m.status == "consistent"]
    same = [m for m in quantities.matches if m.status == "same"]
    for m in same:
        reasons.append("Same figure: " + ab(m.a.raw, m.b.raw, " = "))
    for m in consistent:
        reasons.append(
            f"Numbers consistent: {ab(m.a.raw, m.b.raw)} (intervals overlap; one is more precise)"
        )

    other_time = dates.years_differ and _another_time(
        a, b, bool(differing), bool(same or consistent)
    )
    negation_clash = _negation_clash(a, b, lex.dice, th, post)
    conflict_cues: list[str] = []
    if sim >= th.conflict:
        if differing and not other_time:
            for m in differing:
                conflict_cues.append(
                    f"Numbers differ: {ab(m.a.raw, m.b.raw)} (intervals do not overlap)"
                )
        if negation_clash:
            conflict_cues.append(f"One side is negated: '{negation_clash}'")
        if directions.opposite:
            wa, wb = directions.opposite
            conflict_cues.append(f"Opposite direction: {ab(wa, wb)}")
        for wa, wb in opposites:
            if wa.split()[-1].lower() == wb.split()[-1].lower():
                # The same word, negated on one side ("banned" vs "hasn't banned").
                negated_word = wa if len(wa.split()) > 1 else wb
                conflict_cues.append(f"One side is negated: '{negated_word}'")
            else:
                conflict_cues.append(f"Opposite words: {ab(wa, wb)}")
        for wa, wb in ranks:
            conflict_cues.append(f"Different rank: {ab(wa, wb)}")
        if dates.conflict and not other_time:
            what, xs, ys, note = dates.conflict
            conflict_cues.append(f"{what}: {ab(xs, ys)}{note}")
    if other_time:
        reasons.append(
            f"Different year: {ab(dates.years_a or 'none', dates.years_b or 'none')} (another time, not a conflict)"
        )
        for m in differing:
            reasons.append(f"Numbers differ: {ab(m.a.raw, m.b.raw)}, but for another time")
    if conflict_cues:
        reasons.extend(conflict_cues)
        strength = 0.55 + 0.3 * min(1.0, (sim - th.conflict) / max(1e-9, 1.0 - th.conflict))
        strength += 0.05 * (len(conflict_cues) - 1)
        return result("conflict", strength)
    if differing and sim < th.conflict:
        for m in differing:
            reasons.append(
                f"Numbers differ: {ab(m.a.raw, m.b.raw)}, but the claims are only loosely related"
            )

    repeat_score = lex.score + th.same_quantity_bonus * min(2, len(same))
    if post:
        lexical_repeat = repeat_score >= th.post_repeat or post_anchor
        semantic_repeat = cos is not None and cos >= th.semantic_post_repeat
        needed = th.post_repeat
    else:
        lexical_repeat = repeat_score >= th.repeat
        # An embedding cannot tell who says it: "X risks penalties" and "X faces penalties,
        # China has warned" sit close, but the second reports someone's warning.
        semantic_repeat = (
            cos is not None
            and cos >= th.semantic_repeat
            and lex.score >= th.semantic_min_lexical
            and not _other_speaker(a, b)
        )
        needed = th.repeat
    blockers: list[str] = []
    if differing:
        blockers.append("figures differ")
    if negation_clash:
        blockers.append("negation differs")
    if directions.opposite:
        blockers.append("directions differ")
    if opposites:
        blockers.append("opposite words")
    if ranks:
        blockers.append("ranks differ")
    # A post says more than the claim it carries (chatter, a date, other figures), so only
    # a contradiction keeps it from repeating the claim; two statements must match in full.
    if not post:
        if consistent:
            blockers.append("a figure is stated differently")
        if dates.years_differ or dates.conflict:
            blockers.append("dates differ")
        if (quantities.only_a or quantities.only_b) and not sim > th.one_sided_figure_similarity:
            blockers.append("a figure is stated on one side only")
        if bool(a.direction_cues) != bool(b.direction_cues) and not semantic_repeat:
            # "Revenue fell" asserts a change; a claim with no change in it says something else.
            cues = a.direction_cues or b.direction_cues
            blockers.append(f"only one side states a direction ({cues[0].word})")
        if lex.length_ratio < th.repeat_length_ratio and not semantic_repeat:
            longer = lex.only_b if len(lex.only_b) > len(lex.only_a) else lex.only_a
            blockers.append("one side says more (" + _fmt_terms(sorted(longer), 5) + ")")
    details["repeat_score"] = round(repeat_score, 4)
    details["post"] = post
    if not blockers and (lexical_repeat or semantic_repeat):
        if post:
            reasons.append("A social-media post carrying the claim (its extra text is ignored)")
        if semantic_repeat and not lexical_repeat:
            reasons.append(
                f"Same meaning in other words (embedding similarity {cos:.2f}, "
                f"word overlap {lex.score:.2f})"
            )
        else:
            reasons.append(
                f"Same wording (word overlap {lex.score:.2f}, repeat score {repeat_score:.2f})"
            )
        if directions.same:
            reasons.append(f"Same direction: {', '.join(directions.same)}")
        strength = max(repeat_score, cos or 0.0)
        return result(
            "repeat", 0.55 + 0.45 * min(1.0, max(0.0, strength - needed) / max(1e-9, 1 - needed))
        )
    if blockers:
        reasons.append("Related but not the same claim: " + "; ".join(blockers))
    else:
        reasons.append(
            f"Related but not the same claim (repeat score {repeat_score:.2f} below {needed:.2f})"
        )
    if quantities.only_a or quantities.only_b:
        extra_raw = [q.raw for q in quantities.only_a + quantities.only_b]
        reasons.append(f"Figure stated on one side only: {', '.join(extra_raw)}")
    return result("compatible", 0.5 + 0.4 * min(1.0, sim))


def _negation_clash(
    a: ClaimFeatures, b: ClaimFeatures, dice: float, th: Thresholds, post: bool = False
) -> str | None:
    """The negation by which one claim denies what the other asserts, if any.

    A "not" somewhere in a long post is only a contradiction when what it negates
    is also talked about on the other side (or the texts are near-identical).  In a
    post the negation's window easily runs into a name from the next sentence, so
    there the negated words must include something said about the subject, not
    just the subject itself.
    """
    # Only a negation of its own counts here: one that flips a word with an opposite ("not
    # safe") is judged with that word (``compare_polar``), unless the other claim never uses
    # that word: "It is not true that X" denies X.
    alone_a, alone_b = denied_alone(a, b), denied_alone(b, a)
    if bool(alone_a) != bool(alone_b) and dice >= th.negation_any_scope_similarity:
        return (alone_a or alone_b)[0]
    cues_a = a.negation_cues or alone_a
    cues_b = b.negation_cues or alone_b
    if cues_a and cues_b:
        # Both deny something: a clash when one denies a word the other asserts and does
        # not deny ("has not proposed ..." vs "has proposed ..., but has not issued ...").
        for x, y in ((a, b), (b, a)):
            denied = set(x.negated_heads) - set(y.negation_scope) - set(y.negated_heads)
            # ... and whatever the other denies, this one denies too (else the two simply
            # deny different things, worded apart).
            agreed = set(y.negated_heads) <= set(x.negation_scope) | set(x.negated_heads)
            if denied & set(y.terms) and agreed and not post:
                return x.negation_cues[0]
        return None
    if not cues_a and not cues_b:
        return None
    negated, other, cues = (a, b, cues_a) if cues_a else (b, a, cues_b)
    if dice >= th.negation_any_scope_similarity:
        return cues[0]
    hit = set(negated.negation_scope) & set(other.terms)
    if post:
        hit -= a.subject_stems | b.subject_stems
    return cues[0] if hit else None


def _another_time(
    a: ClaimFeatures, b: ClaimFeatures, figures_differ: bool, figures_agree: bool
) -> bool:
    """Whether claims set in different years describe different times, not one event.

    Different figures in different years are two measurements ("4% in 2023" vs
    "6% in 2021"); so are trends and measurements that both can hold ("rose in
    2020" vs "rose in 2021").  A deadline ("by 2028" vs "by 2035") or a one-off
    event ("signed in 2019" vs "signed in 2021") with another year is a conflict.
    """
    if figures_differ:
        return True
    if a.target_years and b.target_years and not set(a.target_years) & set(b.target_years):
        return False
    return figures_agree or bool(a.direction_cues and b.direction_cues)


def _other_speaker(a: ClaimFeatures, b: ClaimFeatures) -> bool:
    """One claim is attributed to someone the other does not mention at all."""
    for x, y in ((a, b), (b, a)):
        mentioned = set(y.terms) | y.subject_stems
        if any(s not in mentioned for s in x.speakers):
            return True
    return False
