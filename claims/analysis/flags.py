"""Storing a batch's findings as ``Flag`` rows: upserted, never duplicated, decisions kept."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from claims import engine
from claims.models import AnalysisState, Claim, ClaimAnalysis, Flag, FlagStatus

from .index import analyses_store, commit_without_waiting
from .sql import TEXT_ARRAY, fetch, text_array
from .stats import StoredRow

# (claim_a, claim_b, kind) with claim_a < claim_b: one flag row (a database constraint).
Key = tuple[int, int, str]
Found = dict[Key, dict[str, object]]
# (claim_a, claim_b) with claim_a < claim_b.
Pair = tuple[int, int]


def flags_store(
    *,
    order: list[int],
    found: Found,
    classified: Iterable[Pair] = (),
    analyses: Sequence[StoredRow] = (),
    read_back: bool = True,
) -> dict[int, list[Flag]]:
    """Bring the flags of the analysed claims (``order``) in line with what was found, keep
    their ``analyses`` and mark them analysed, in one transaction.

    ``found`` is every flag the batch's pairs carry (a pair is decided the same whichever of
    its claims brought it up, so the batch stores the union); ``classified`` are the pairs
    decided. An open flag is withdrawn only when its pair was decided again and no longer
    carries it (a text changed): a flag one claim's ranking did not bring up stays, since
    the other side found it. Decided flags stay as the record of an editor's decision, and a
    dismissed pair comes back only when one of its texts changed.
    Returns the flags each analysed claim has now; with ``read_back=False`` (a backlog,
    which only counts the claims) new flags may be left out of the lists.
    """
    if not order:
        return {}
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Most claims are new: no flag mentions them yet, and everything is one statement.
        stored = _store_fresh(order, found, list(analyses), read_back=read_back)
        if stored is not None:
            return _by_claim(order, stored)
    with transaction.atomic():
        commit_without_waiting()
        flags = _store(order, found, set(classified))
        analyses_store(list(analyses))
        _mark_analysed(order)
    return flags


def _mark_analysed(order: list[int]) -> None:
    Claim.objects.filter(pk__in=order).update(
        analysis_state=AnalysisState.DONE,
        analysed_at=timezone.now(),
        analysed_engine=engine.ENGINE_VERSION,
    )


def _by_claim(order: list[int], kept: dict[Key, Flag]) -> dict[int, list[Flag]]:
    by_claim: dict[int, list[Flag]] = {claim_id: [] for claim_id in order}
    for key, flag in kept.items():
        for claim_id in key[:2]:
            if claim_id in by_claim:
                by_claim[claim_id].append(flag)
    return by_claim


def _store(order: list[int], wanted: Found, classified: set[Pair]) -> dict[int, list[Flag]]:
    # Locked in one order everywhere, so two workers storing overlapping batches queue up
    # rather than deadlock.
    existing = {
        (f.claim_a_id, f.claim_b_id, f.kind): f
        for f in Flag.objects.select_for_update()
        .filter(Q(claim_a_id__in=order) | Q(claim_b_id__in=order))
        .order_by("pk")
    }
    stale = [
        f.pk
        for key, f in existing.items()
        if key not in wanted and key[:2] in classified and f.status == FlagStatus.OPEN
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
    return _by_claim(order, kept)


def _store_fresh(
    order: list[int], wanted: Found, analyses: list[StoredRow], *, read_back: bool
) -> dict[Key, Flag] | None:
    """Insert the flags of claims no flag mentions yet, with their history rows, and mark the
    claims analysed: one statement, its own transaction. None when a flag mentions one of
    them (nothing is written) or another worker flagged a pair meanwhile; the careful path
    then compares and upserts."""
    rows = [
        (a, b, kind, v["score"], v["method"], _json(v["reasons"]), _json(v["details"]),
         v["text_key"])
        for (a, b, kind), v in wanted.items()
    ]  # fmt: skip
    columns: list[Any] = [list(col) for col in zip(*rows, strict=True)] or [[]] * 8
    for text in (2, 4, 5, 6, 7):
        columns[text] = text_array(columns[text])
    stored: list[Any] = [list(col) for col in zip(*analyses, strict=True)] or [[]] * 4
    for text in (1, 2, 3):
        stored[text] = text_array(stored[text])
    sql = _fresh_sql()
    params = [
        order,
        *columns,
        engine.ENGINE_VERSION,
        FlagStatus.OPEN,
        *stored,
        AnalysisState.DONE,
        engine.ENGINE_VERSION,
        order,
    ]
    result = fetch(sql, params)
    if not any(row[0] for row in result):
        return None  # a flag mentions one of the claims: nothing was written
    inserted = [row for row in result if row[0] is None]
    if len(inserted) < len(wanted):
        # Another worker flagged one of the pairs meanwhile: merge with its rows.
        return None
    kept: dict[Key, Flag] = {}
    for _, pk, a, b, kind, created in inserted if read_back else ():
        kept[(a, b, kind)] = Flag(
            pk=pk,
            claim_a_id=a,
            claim_b_id=b,
            kind=kind,
            engine_version=engine.ENGINE_VERSION,
            status=FlagStatus.OPEN,
            created_at=created,
            updated_at=created,
            **wanted[(a, b, kind)],
        )
    return kept


@functools.cache
def _fresh_sql() -> str:
    # Built once per process: reaching the history model through ``Flag.history`` builds a
    # manager class each time (``inspect`` over the queryset's methods), which had cost more
    # per analysis than the statement itself.
    flag = connection.ops.quote_name(Flag._meta.db_table)
    history = Flag.history.model
    copied = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    # Only table and column names from the models are formatted in; values are parameters.
    return f"""
        WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)),
        fresh AS (
            -- One index probe per claim and side. Written as correlated lookups because the
            -- statement is prepared: a generic plan of "= ANY(array)" guesses ten matches,
            -- and to find the first of them it scanned the whole table.
            SELECT NOT EXISTS (
                SELECT 1 FROM unnest(CAST(%s AS bigint[])) AS o(id)
                WHERE EXISTS (SELECT 1 FROM {flag} f WHERE f.claim_a_id = o.id)
                   OR EXISTS (SELECT 1 FROM {flag} f WHERE f.claim_b_id = o.id)
            ) AS yes
        ),
        v AS (
            SELECT * FROM unnest(CAST(%s AS bigint[]), CAST(%s AS bigint[]), {TEXT_ARRAY},
                                 CAST(%s AS double precision[]), {TEXT_ARRAY},
                                 {TEXT_ARRAY}, {TEXT_ARRAY}, {TEXT_ARRAY})
                AS v(claim_a_id, claim_b_id, kind, score, method, reasons, details, text_key)
        ),
        new AS (
            INSERT INTO {flag} (claim_a_id, claim_b_id, kind, score, method, reasons, details,
                                engine_version, text_key, status, resolution_note, created_at,
                                updated_at)
            SELECT v.claim_a_id, v.claim_b_id, v.kind, v.score, v.method,
                   CAST(v.reasons AS jsonb), CAST(v.details AS jsonb), %s, v.text_key, %s, '',
                   now(), now()
            FROM v CROSS JOIN quick CROSS JOIN fresh WHERE fresh.yes
            ON CONFLICT ON CONSTRAINT flag_unique_pair_kind DO NOTHING
            RETURNING *
        ),
        hist AS (
            INSERT INTO {connection.ops.quote_name(history._meta.db_table)}
                ({", ".join(copied)}, history_date, history_change_reason, history_type,
                 history_user_id)
            SELECT {", ".join(f"new.{c}" for c in copied)}, now(), NULL, '+', NULL FROM new
        ),
        kept AS (
            INSERT INTO {connection.ops.quote_name(ClaimAnalysis._meta.db_table)}
                (claim_id, text_key, engine_version, data)
            SELECT a.* FROM unnest(CAST(%s AS bigint[]), {TEXT_ARRAY}, {TEXT_ARRAY},
                                   {TEXT_ARRAY}) AS a, fresh
            WHERE fresh.yes
            ON CONFLICT (claim_id) DO UPDATE SET text_key = EXCLUDED.text_key,
                engine_version = EXCLUDED.engine_version, data = EXCLUDED.data
        ),
        done AS (
            UPDATE {connection.ops.quote_name(Claim._meta.db_table)} c
            SET analysis_state = %s, analysed_at = now(), analysed_engine = %s
            FROM quick CROSS JOIN fresh WHERE fresh.yes AND c.id = ANY(CAST(%s AS bigint[]))
        )
        SELECT fresh.yes, NULL, NULL, NULL, NULL, NULL FROM fresh
        UNION ALL
        SELECT NULL, id, claim_a_id, claim_b_id, kind, created_at FROM new
    """  # noqa: S608


def _json(value: object) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


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
