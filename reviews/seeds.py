"""Loading the demo seeds: validate every file first, then apply them in one transaction.

A record is found again by a stable key (``external_id = "seed:<key>"`` for sources and claims,
name + affiliation for claimants, claim + source + quote for appearances, claim + headline for
verdicts), so a second run changes nothing. Any problem rejects the whole load with the file and
line of the record at fault.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims import services as claim_services
from claims.models import Appearance, Claim, Claimant, ClaimantKind, ClaimStatus, Stance
from reviews import services as review_services
from reviews.models import EvidenceStance, Rating, Verdict, VerdictState
from sources import services as source_services
from sources.models import Source, SourceKind

FILES = ("sources.jsonl", "claimants.jsonl", "claims.jsonl", "verdicts.jsonl")
PREFIX = "seed:"


class SeedError(Exception):
    """A seed file is malformed or inconsistent; nothing was loaded."""


@dataclass(frozen=True)
class Record:
    file: str
    line: int
    data: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class LoadStats:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, created: bool, changed: bool = True) -> None:
        bucket = self.created if created else self.updated
        if created or changed:
            bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


# Validation ----------------------------------------------------------------------------------

Check = Callable[[Any], str | None]


def _str(*, required: bool = True, max_len: int | None = None, null: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None:
            return None if null or not required else "is required"
        if not isinstance(value, str):
            return "must be a string"
        if required and not null and not value.strip():
            return "must not be empty"
        if max_len is not None and len(value) > max_len:
            return f"must be at most {max_len} characters (has {len(value)})"
        return None

    return check


def _choice(values: list[str]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in values else f"must be one of {', '.join(values)} (got {value!r})"

    return check


def _date(*, null: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None and null:
            return None
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return f"must be a date written YYYY-MM-DD (got {value!r})"
        return None

    return check


def _int_range(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"must be a whole number from {low} to {high}"

    return check


def _str_list(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    return None if ok else "must be a list of non-empty strings"


def _list_of_objects(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return None if ok else "must be a list of objects"


SCHEMAS: dict[str, dict[str, tuple[Check, bool]]] = {
    # field: (check, required)
    "sources.jsonl": {
        "key": (_str(), True),
        "url": (_str(null=True), False),
        "title": (_str(max_len=500), True),
        "outlet": (_str(required=False, max_len=200), False),
        "author": (_str(required=False, max_len=200), False),
        "published": (_date(null=True), False),
        "kind": (_choice(SourceKind.values), True),
        "language": (_str(max_len=16), False),
    },
    "claimants.jsonl": {
        "key": (_str(), True),
        "name": (_str(max_len=200), True),
        "kind": (_choice(ClaimantKind.values), True),
        "affiliation": (_str(required=False, max_len=200), False),
    },
    "claims.jsonl": {
        "key": (_str(max_len=90), True),
        "text": (_str(max_len=1000), True),
        "claimant": (_str(null=True), False),
        "claim_date": (_date(null=True), False),
        "language": (_str(max_len=16), False),
        "tags": (_str_list, False),
        "priority": (_int_range(1, 4), False),
        "status": (_choice([ClaimStatus.TRIAGE, ClaimStatus.READY]), False),
        "appearances": (_list_of_objects, True),
    },
    "verdicts.jsonl": {
        "claim": (_str(), True),
        "rating": (_choice(Rating.values), True),
        "headline": (_str(max_len=75), True),
        "explanation": (_str(), True),
        "state": (_choice([VerdictState.PUBLISHED]), True),
        "published": (_date(), True),
        "evidence": (_list_of_objects, False),
    },
}
APPEARANCE_SCHEMA: dict[str, tuple[Check, bool]] = {
    "source": (_str(), True),
    "quote": (_str(), True),
    "date": (_date(null=True), False),
    "speaker": (_str(required=False, max_len=200), False),
    "stance": (_choice(Stance.values), True),
}
EVIDENCE_SCHEMA: dict[str, tuple[Check, bool]] = {
    "source": (_str(), True),
    "stance": (_choice(EvidenceStance.values), True),
    "note": (_str(required=False), False),
}


def _validate_object(
    data: dict[str, Any], schema: dict[str, tuple[Check, bool]], label: str
) -> Iterator[str]:
    for name in sorted(set(data) - set(schema)):
        yield f"{label}unknown field {name!r}"
    for name, (check, required) in schema.items():
        if name not in data:
            if required:
                yield f"{label}field {name!r} is required"
            continue
        problem = check(data[name])
        if problem:
            yield f"{label}field {name!r} {problem}"


def read_records(directory: Path) -> dict[str, list[Record]]:
    """Parse and validate every seed file; raise SeedError listing each problem with file:line."""
    records: dict[str, list[Record]] = {}
    errors: list[str] = []
    for name in FILES:
        path = directory / name
        label = f"{directory.name}/{name}"
        records[name] = []
        if not path.exists():
            errors.append(f"{label}: file is missing")
            continue
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                where = f"{label}:{number}"
                if not raw.strip():
                    errors.append(f"{where}: blank line")
                    continue
                try:
                    data = json.loads(raw)
                except json.JSONDecodeError as exc:
                    errors.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                if not isinstance(data, dict):
                    errors.append(f"{where}: each line must be a JSON object")
                    continue
                errors.extend(
                    f"{where}: {msg}" for msg in _validate_object(data, SCHEMAS[name], "")
                )
                nested = {
                    "claims.jsonl": ("appearances", APPEARANCE_SCHEMA),
                    "verdicts.jsonl": ("evidence", EVIDENCE_SCHEMA),
                }.get(name)
                if nested and isinstance(data.get(nested[0]), list):
                    for i, item in enumerate(data[nested[0]], start=1):
                        if isinstance(item, dict):
                            errors.extend(
                                f"{where}: {msg}"
                                for msg in _validate_object(item, nested[1], f"{nested[0]}[{i}] ")
                            )
                records[name].append(Record(label, number, data))
    if not errors:
        errors.extend(_check_references(records))
    if errors:
        raise SeedError("\n".join(errors))
    return records


def _check_references(records: dict[str, list[Record]]) -> Iterator[str]:
    keys: dict[str, set[str]] = {}
    for name, key_field in (
        ("sources.jsonl", "key"),
        ("claimants.jsonl", "key"),
        ("claims.jsonl", "key"),
    ):
        seen: set[str] = set()
        for rec in records[name]:
            key = rec.data[key_field]
            if key in seen:
                yield f"{rec.where}: duplicate key {key!r}"
            seen.add(key)
        keys[name] = seen
    for rec in records["claims.jsonl"]:
        claimant = rec.data.get("claimant")
        if claimant is not None and claimant not in keys["claimants.jsonl"]:
            yield f"{rec.where}: unknown claimant {claimant!r}"
        for i, app in enumerate(rec.data["appearances"], start=1):
            if app["source"] not in keys["sources.jsonl"]:
                yield f"{rec.where}: appearances[{i}] unknown source {app['source']!r}"
    for rec in records["verdicts.jsonl"]:
        if rec.data["claim"] not in keys["claims.jsonl"]:
            yield f"{rec.where}: unknown claim {rec.data['claim']!r}"
        for i, ev in enumerate(rec.data.get("evidence", []), start=1):
            if ev["source"] not in keys["sources.jsonl"]:
                yield f"{rec.where}: evidence[{i}] unknown source {ev['source']!r}"


# Applying ------------------------------------------------------------------------------------


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def load_seeds(directory: Path) -> LoadStats:
    """Validate, then create or update everything in one transaction (all or nothing)."""
    records = read_records(directory)
    stats = LoadStats()
    current: Record | None = None
    try:
        with transaction.atomic():
            sources: dict[str, Source] = {}
            for current in records["sources.jsonl"]:
                sources[current.data["key"]] = _apply_source(current.data, stats)
            claimants: dict[str, Claimant] = {}
            for current in records["claimants.jsonl"]:
                claimants[current.data["key"]] = _apply_claimant(current.data, stats)
            claims: dict[str, Claim] = {}
            for current in records["claims.jsonl"]:
                claims[current.data["key"]] = _apply_claim(current.data, claimants, sources, stats)
            for current in records["verdicts.jsonl"]:
                _apply_verdict(current.data, claims, sources, stats)
    except (ValidationError, IntegrityError) as exc:
        where = current.where if current else "seeds"
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise SeedError(f"{where}: {detail}") from exc
    return stats


def _apply_source(data: dict[str, Any], stats: LoadStats) -> Source:
    values = {
        "url": data.get("url") or "",
        "title": data["title"],
        "outlet": data.get("outlet", ""),
        "author": data.get("author", ""),
        "published_on": _date_or_none(data.get("published")),
        "kind": data["kind"],
        "language": data.get("language", "en"),
    }
    external_id = PREFIX + data["key"]
    source = Source.objects.filter(external_id=external_id).first()
    if source is None:
        stats.count("sources", created=True)
        return source_services.source_create(actor=None, external_id=external_id, **values)
    changed = source_services.source_update(actor=None, source=source, **values)
    stats.count("sources", created=False, changed=bool(changed))
    return source


def _apply_claimant(data: dict[str, Any], stats: LoadStats) -> Claimant:
    name, affiliation = data["name"], data.get("affiliation", "")
    claimant = Claimant.objects.filter(name=name, affiliation=affiliation).first()
    if claimant is None:
        stats.count("claimants", created=True)
        return claim_services.claimant_create(
            actor=None, name=name, kind=data["kind"], affiliation=affiliation
        )
    changed = claim_services.claimant_update(actor=None, claimant=claimant, kind=data["kind"])
    stats.count("claimants", created=False, changed=bool(changed))
    return claimant


def _apply_claim(
    data: dict[str, Any],
    claimants: dict[str, Claimant],
    sources: dict[str, Source],
    stats: LoadStats,
) -> Claim:
    values = {
        "text": data["text"],
        "claimant": claimants[data["claimant"]] if data.get("claimant") else None,
        "claim_date": _date_or_none(data.get("claim_date")),
        "language": data.get("language", "en"),
        "priority": data.get("priority", 3),
    }
    external_id = PREFIX + data["key"]
    claim = Claim.objects.filter(external_id=external_id).first()
    if claim is None:
        claim = claim_services.claim_create(
            actor=None,
            external_id=external_id,
            tags=data.get("tags", []),
            status=data.get("status", ClaimStatus.READY),
            **values,
        )
        stats.count("claims", created=True)
    else:
        changed = claim_services.claim_update(
            actor=None, claim=claim, tags=data.get("tags", []), **values
        )
        stats.count("claims", created=False, changed=bool(changed))
    for app in data["appearances"]:
        source = sources[app["source"]]
        existing = Appearance.objects.filter(claim=claim, source=source, quote=app["quote"]).first()
        app_values = {
            "appeared_on": _date_or_none(app.get("date")),
            "speaker": app.get("speaker", ""),
            "stance": app["stance"],
        }
        if existing is None:
            claim_services.appearance_add(
                actor=None, claim=claim, source=source, quote=app["quote"], **app_values
            )
            stats.count("appearances", created=True)
        else:
            changed = claim_services.appearance_update(
                actor=None, appearance=existing, **app_values
            )
            stats.count("appearances", created=False, changed=bool(changed))
    return claim


def _apply_verdict(
    data: dict[str, Any], claims: dict[str, Claim], sources: dict[str, Source], stats: LoadStats
) -> None:
    claim = claims[data["claim"]]
    if Verdict.objects.filter(claim=claim, headline=data["headline"]).exists():
        # Seeded verdicts are published; a published verdict changes only by correction,
        # which is an editor's act, so the loader leaves an existing one alone.
        return
    verdict = review_services.verdict_create(
        actor=None,
        claim=claim,
        rating=data["rating"],
        headline=data["headline"],
        explanation=data["explanation"],
    )
    for ev in data.get("evidence", []):
        review_services.evidence_add(
            actor=None,
            verdict=verdict,
            source=sources[ev["source"]],
            stance=ev["stance"],
            note=ev.get("note", ""),
        )
    review_services.verdict_submit(actor=None, verdict=verdict)
    review_services.verdict_approve(actor=None, verdict=verdict)
    published = dt.datetime.combine(
        dt.date.fromisoformat(data["published"]), dt.time(12, 0), tzinfo=dt.UTC
    )
    review_services.verdict_publish(actor=None, verdict=verdict, published_at=published)
    stats.count("verdicts", created=True)
