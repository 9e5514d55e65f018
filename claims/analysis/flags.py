"""Storing a batch's findings as ``Flag`` rows: upserted, never duplicated, decisions kept."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q

from claims import engine
from claims.models import Flag, FlagStatus

# (claim_a, claim_b, kind) with claim_a < claim_b: one flag row (a database constraint).
Key = tuple[int, int, str]
Found = dict[Key, dict[str, object]]


def _deciders(order: list[int], found: dict[int, Found], existing: Iterable[Key]) -> dict[Key, int]:
    """Which analysed claim has the last word on each pair.

    Analysing claims one after the other, the later claim's analysis of a pair is what stays
    (it upserts the pair or withdraws it), so a batch gives each pair to the later of its
    two claims in the batch's order: the batch leaves the same flags as one claim at a time.
    """
    position = {claim_id: i for i, claim_id in enumerate(order)}
    keys = {key for claim_found in found.values() for key in claim_found} | set(existing)
    deciders: dict[Key, int] = {}
    for key in keys:
        mine = [c for c in key[:2] if c in position]
        if mine:
            deciders[key] = max(mine, key=position.__getitem__)
    return deciders


# No savepoint: callers run it in their transaction, and a failure here fails that one.
@transaction.atomic(savepoint=False)
def flags_store(*, order: list[int], found: dict[int, Found]) -> dict[int, list[Flag]]:
    """Bring the flags of the analysed claims (``order``) in line with what was found.

    ``found[c]`` is what the analysis of claim ``c`` found. Open flags the analysis no longer
    supports (a text changed) are withdrawn; decided ones stay as the record of an editor's
    decision, and a dismissed pair comes back only when one of its texts changed.
    Returns the flags each analysed claim has now.
    """
    if not order:
        return {}
    # Locked in one order everywhere, so two workers storing overlapping batches queue up
    # rather than deadlock.
    existing = {
        (f.claim_a_id, f.claim_b_id, f.kind): f
        for f in Flag.objects.select_for_update()
        .filter(Q(claim_a_id__in=order) | Q(claim_b_id__in=order))
        .order_by("pk")
    }
    deciders = _deciders(order, found, existing)
    wanted: Found = {}
    for key, decider in deciders.items():
        values = found.get(decider, {}).get(key)
        if values is not None:
            wanted[key] = values
    stale = [
        f.pk for key, f in existing.items() if key not in wanted and f.status == FlagStatus.OPEN
    ]
    if stale:
        Flag.objects.filter(pk__in=stale).delete()
    kept: dict[Key, Flag] = {}
    new = [
        Flag(claim_a_id=a, claim_b_id=b, kind=kind, engine_version=engine.ENGINE_VERSION, **values)
        for (a, b, kind), values in wanted.items()
        if (a, b, kind) not in existing
    ]
    if new:
        try:
            # One insert for all new pairs; if another worker flagged one of them meanwhile,
            # the pair-by-pair path below merges with its row instead.
            with transaction.atomic():
                Flag.objects.bulk_create(new)
                Flag.history.bulk_history_create(new)
        except IntegrityError:
            pass
        else:
            kept.update({(f.claim_a_id, f.claim_b_id, f.kind): f for f in new})
    for key, values in wanted.items():
        if key in kept:
            continue
        kept[key] = _upsert(key, values, existing.get(key))
    by_claim: dict[int, list[Flag]] = {claim_id: [] for claim_id in order}
    for key, flag in kept.items():
        for claim_id in key[:2]:
            if claim_id in by_claim:
                by_claim[claim_id].append(flag)
    return by_claim


def _upsert(key: Key, values: dict[str, object], flag: Flag | None) -> Flag:
    a, b, kind = key
    if flag is None:
        flag, created = Flag.objects.get_or_create(
            claim_a_id=a,
            claim_b_id=b,
            kind=kind,
            defaults={**values, "engine_version": engine.ENGINE_VERSION},
        )
        if created:
            return flag
    if flag.status == FlagStatus.DISMISSED and flag.text_key != values["text_key"]:
        # A dismissed pair comes back only when one of the texts changed.
        flag.status = FlagStatus.OPEN
        flag.resolved_by = None
        flag.resolved_at = None
        flag.resolution_note = ""
    elif _unchanged(flag, values):
        # Nothing to write (nor a history row to add) when re-analysis agrees.
        return flag
    for name, value in values.items():
        setattr(flag, name, value)
    flag.engine_version = engine.ENGINE_VERSION
    flag.save()
    return flag


def _unchanged(flag: Flag, values: dict[str, object]) -> bool:
    # Compared as JSON would store them (tuples come back as lists).
    stored = {name: getattr(flag, name) for name in values}
    return flag.engine_version == engine.ENGINE_VERSION and json.dumps(
        stored, sort_keys=True, default=str
    ) == json.dumps(values, sort_keys=True, default=str)
