"""Reads of the flag review pages, each in a fixed number of queries whatever the sizes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Case, Count, Q, QuerySet, When

from claims.models import Appearance, Claim, Flag, FlagKind, FlagStatus
from claims.roles import EDITORS
from factchecks.models import ExternalMatch
from reviews.models import Verdict, VerdictState

FLAG_PAGE_SIZE = 50
# Other outlets' fact-checks shown beside each claim (the claim page lists them all).
ELSEWHERE_SHOWN = 3


@dataclass(frozen=True)
class FlagFilters:
    """What the flag list shows; empty values mean "any"."""

    status: str = FlagStatus.OPEN
    kind: str = ""
    method: str = ""
    min_score: float | None = None
    max_score: float | None = None
    tag: str = ""
    assigned_to: int | None = None
    claim: int | None = None
    sort: str = "score"


def _filtered(filters: FlagFilters) -> QuerySet[Flag]:
    queryset = Flag.objects.all()
    if filters.status and filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    if filters.method:
        queryset = queryset.filter(method=filters.method)
    if filters.min_score is not None:
        queryset = queryset.filter(score__gte=filters.min_score)
    if filters.max_score is not None:
        queryset = queryset.filter(score__lte=filters.max_score)
    if filters.tag:
        # Either claim of the pair carries the tag; a subquery keeps one row per flag.
        tagged = Claim.objects.filter(tags__name=filters.tag).values("pk")
        queryset = queryset.filter(Q(claim_a__in=tagged) | Q(claim_b__in=tagged))
    if filters.claim is not None:
        queryset = queryset.filter(Q(claim_a_id=filters.claim) | Q(claim_b_id=filters.claim))
    if filters.assigned_to is not None:
        queryset = queryset.filter(assigned_to_id=filters.assigned_to)
    return queryset


def _ordering(sort: str) -> list[str]:
    return ["-created_at", "-pk"] if sort == "newest" else ["-score", "-pk"]


@dataclass
class FlagListPage:
    flags: list[Flag]
    counts: dict[str, int]
    total: int
    page: int
    pages: int


def flag_list(*, filters: FlagFilters, page: int = 1) -> FlagListPage:
    """A page of flags matching the filters, and how many of each kind match (two queries)."""
    base = _filtered(filters)
    by_kind = {
        row["kind"]: row["n"]
        for row in base.order_by().values("kind").annotate(n=Count("pk")).values("kind", "n")
    }
    counts = {kind: by_kind.get(kind, 0) for kind in FlagKind.values}
    if filters.kind:
        base = base.filter(kind=filters.kind)
    total = counts.get(filters.kind, 0) if filters.kind else sum(counts.values())
    pages = max(1, -(-total // FLAG_PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * FLAG_PAGE_SIZE
    flags = list(
        base.select_related("claim_a", "claim_b", "resolved_by", "assigned_to").order_by(
            *_ordering(filters.sort)
        )[start : start + FLAG_PAGE_SIZE]
    )
    return FlagListPage(flags=flags, counts=counts, total=total, page=page, pages=pages)


@dataclass
class FlagSide:
    """One claim of the pair, with what the editor needs to judge it."""

    claim: Claim
    appearances: list[Appearance] = field(default_factory=list)
    verdict: Verdict | None = None
    # Other outlets' fact-checks matched to the claim, most relevant first.
    elsewhere: list[ExternalMatch] = field(default_factory=list)


@dataclass
class FlagPage:
    flag: Flag
    a: FlagSide
    b: FlagSide
    history: list[Any]
    editors: list[User]
    next_id: int | None


def flag_page(flag_id: int, *, viewer: User) -> FlagPage:
    """The flag, both claims with claimants, appearances (and sources), published verdicts and
    other outlets' fact-checks of them, the flag's history, the editors it could be passed to and the next open flag."""
    flag = Flag.objects.select_related(
        "claim_a__claimant", "claim_b__claimant", "resolved_by", "assigned_to"
    ).get(pk=flag_id)
    sides = {c.pk: FlagSide(claim=c) for c in (flag.claim_a, flag.claim_b)}
    for appearance in (
        Appearance.objects.filter(claim_id__in=list(sides))
        .select_related("source")
        .order_by("appeared_on", "pk")
    ):
        sides[appearance.claim_id].appearances.append(appearance)
    for verdict in Verdict.objects.filter(
        claim_id__in=list(sides), state=VerdictState.PUBLISHED
    ).order_by("published_at"):
        sides[verdict.claim_id].verdict = verdict
    for match in (
        ExternalMatch.objects.filter(claim_id__in=list(sides))
        .select_related("review")
        .order_by("-relevance", "pk")
    ):
        if len(sides[match.claim_id].elsewhere) < ELSEWHERE_SHOWN:
            sides[match.claim_id].elsewhere.append(match)
    history = list(flag.history.select_related("history_user").order_by("-history_date")[:20])
    editors = list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=EDITORS) | Q(is_superuser=True))
        .exclude(pk=viewer.pk)
        .distinct()
        .order_by("username")
    )
    return FlagPage(
        flag=flag,
        a=sides[flag.claim_a_id],
        b=sides[flag.claim_b_id],
        history=history,
        editors=editors,
        next_id=next_open_flag(after=flag),
    )


def next_open_flag(*, after: Flag) -> int | None:
    """The open flag that follows ``after`` in the list's default order (highest score first),
    or the first open one when it was the last."""
    follows = Q(score__lt=after.score) | Q(score=after.score, pk__lt=after.pk)
    # One query: the flags after this one first, then from the top.
    return (
        Flag.objects.filter(status=FlagStatus.OPEN)
        .exclude(pk=after.pk)
        .order_by(Case(When(follows, then=0), default=1), "-score", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
