"""Reading labelled sentence files: ``{"id", "text", "label"}`` JSON lines (label 1 = worth checking)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import CommandError

__all__ = ["Labelled", "read_labelled"]


@dataclass(frozen=True)
class Labelled:
    """One labelled sentence."""

    id: str
    text: str
    label: int


def read_labelled(path: str) -> list[Labelled]:
    """Read a file of labelled sentences, failing with the line number on a malformed line."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"no such file: {path}")
    rows: list[Labelled] = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                rows.append(Labelled(str(data["id"]), str(data["text"]), int(data["label"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path}:{number}: not a labelled sentence ({exc})") from exc
    if not rows:
        raise CommandError(f"{path}: no sentences")
    return rows
