"""Reads of ingest: a source's candidates ranked, and its body cut into highlighted pieces."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from ingest.models import Candidate, Ingest
from sources.models import Source

__all__ = ["Piece", "body_pieces", "ranked_candidates", "recent_ingests"]


def ranked_candidates(source: Source, *, minimum: float) -> QuerySet[Candidate]:
    """Candidates worth showing, best first: at or above ``minimum`` and not a repeat of an
    earlier sentence of the same body (the first occurrence stands for both)."""
    return (
        Candidate.objects.filter(source=source, score__gte=minimum, repeat_of__isnull=True)
        .select_related("appearance")
        .order_by("-score", "position")
    )


@dataclass(frozen=True)
class Piece:
    """A run of the body: plain text, or a sentence with its candidate (for highlighting)."""

    text: str
    candidate: Candidate | None = None


def body_pieces(source: Source, *, minimum: float) -> list[Piece]:
    """The body in order, candidate sentences at or above ``minimum`` (and repeats of them)
    as their own pieces; everything between them kept as it is, so nothing is lost."""
    body = source.body
    shown = Candidate.objects.filter(source=source).order_by("position")
    pieces: list[Piece] = []
    cursor = 0
    for candidate in shown:
        if candidate.score < minimum:
            continue
        if candidate.start_offset > cursor:
            pieces.append(Piece(body[cursor : candidate.start_offset]))
        pieces.append(Piece(body[candidate.start_offset : candidate.end_offset], candidate))
        cursor = candidate.end_offset
    if cursor < len(body):
        pieces.append(Piece(body[cursor:]))
    return pieces


def recent_ingests(limit: int = 20) -> QuerySet[Ingest]:
    return Ingest.objects.select_related("source").order_by("-created_at", "-id")[:limit]
