"""The inverted index in ``ClaimTerm``: what a posting holds and how postings are written.

Postings carry their BM25 inputs (term count, claim length) and the claim's subject words,
so a query is scored and pre-checked from the index alone. Writes are batched: a batch of new
claims is indexed in one statement. Every write also adds ``IndexChange`` rows in its own
transaction, the feed workers' in-memory mirrors replay (``mirror``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from claims import engine
from claims.engine.features import MAX_INDEX_TERMS
from claims.engine.normalize import stem
from claims.models import Claim, ClaimAnalysis, ClaimStatus, ClaimTerm, IndexChange

from .mirror import Row, loaded_mirror
from .sql import TEXT_ARRAY, fetch, text_array
from .stats import TERM_LENGTH, StoredRow, stored_row

SMALLINT_MAX = 32767


def postings_of(features: engine.ClaimFeatures) -> list[Row]:
    """The postings a claim's analysed text is indexed under."""
    counts: dict[str, int] = {}
    for term, n in engine.index_term_counts(features).items():
        key = term[:TERM_LENGTH]
        counts[key] = counts.get(key, 0) + n
    surfaces: dict[str, list[str]] = {}
    for word in features.subject_terms:
        surfaces.setdefault(stem(word), []).append(word)
    surface = {term: " ".join(words) for term, words in surfaces.items()}
    # Complete: the postings hold every term and subject word, so the pre-check may judge the
    # claim from them (see retrieval.could_flag).
    complete = (
        len(counts) == len(set(features.terms))
        and len(counts) < MAX_INDEX_TERMS
        and all(len(term) < TERM_LENGTH for term in counts)
        and all(term in counts and len(text) <= 200 for term, text in surface.items())
        and not any(" " in word for word in features.subject_terms)
    )
    doc_len = min(sum(counts.values()), SMALLINT_MAX)
    return [
        (term, min(n, SMALLINT_MAX), doc_len, surface.get(term, ""), complete)
        for term, n in counts.items()
    ]


def commit_without_waiting() -> None:
    """Let the current transaction commit without waiting for its WAL flush (PostgreSQL).

    Analysis writes only what analysis can write again: postings, flags, the claim's analysis
    state. Waiting for the disk flush on every commit cost more than the whole ranking query.
    A database crash can lose the last few such commits, but never part of the order: the WAL
    is replayed in sequence, so a lost index or flag write also loses the later "analysed"
    mark, the claim stays pending, and the sweep analyses it again. Other writes in the
    session keep the server's setting (SET LOCAL ends with the transaction).
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _columns(rows: dict[int, list[Row]]) -> list[object]:
    """The postings of many claims as six parallel columns (one array parameter each)."""
    cols: list[list[object]] = [[], [], [], [], [], []]
    for claim_id, claim_rows in rows.items():
        for term, count, doc_len, surface, complete in claim_rows:
            cols[0].append(claim_id)
            cols[1].append(term)
            cols[2].append(count)
            cols[3].append(doc_len)
            cols[4].append(surface)
            cols[5].append(complete)
    return [cols[0], text_array(cols[1]), cols[2], cols[3], text_array(cols[4]), cols[5]]  # type: ignore[arg-type]


_UNNEST = (
    f"unnest(CAST(%s AS bigint[]), {TEXT_ARRAY}, CAST(%s AS integer[]), "
    f"CAST(%s AS integer[]), {TEXT_ARRAY}, CAST(%s AS boolean[])) "
    "AS v(claim_id, term, count, doc_len, surface, complete)"
)


def _insert(rows: dict[int, list[Row]]) -> None:
    """Insert postings (the claims have none): arrays on PostgreSQL, a bulk insert elsewhere."""
    if not any(rows.values()):
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ClaimTerm._meta.db_table)
        # Six array parameters whatever the batch size: no statement to plan per row count,
        # and no Django model instance per posting.
        sql = f"""
            INSERT INTO {table} (claim_id, term, count, doc_len, surface, complete)
            SELECT * FROM {_UNNEST}
        """  # noqa: S608
        fetch(sql, _columns(rows))
        return
    ClaimTerm.objects.bulk_create(
        [
            ClaimTerm(
                claim_id=claim_id,
                term=term,
                count=count,
                doc_len=doc_len,
                surface=surface,
                complete=complete,
            )
            for claim_id, claim_rows in rows.items()
            for term, count, doc_len, surface, complete in claim_rows
        ],
        batch_size=2000,
    )


_TXID = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"


def _feed(claim_ids: list[int]) -> list[int]:
    """Record, in the current transaction, that these claims' postings changed; returns the
    change ids."""
    if not claim_ids:
        return []
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(IndexChange._meta.db_table)
        sql = f"""
            INSERT INTO {table} (claim_id, txid, created_at)
            SELECT claim_id, {_TXID}, now() FROM unnest(CAST(%s AS bigint[])) AS v(claim_id)
            RETURNING id
        """  # noqa: S608
        return [int(i) for (i,) in fetch(sql, [claim_ids])]
    made = IndexChange.objects.bulk_create([IndexChange(claim_id=c) for c in claim_ids])
    return [c.pk for c in made if c.pk is not None]


def _mirror_apply(rows: dict[int, list[Row]], change_ids: list[int]) -> None:
    mirror = loaded_mirror()
    if mirror is not None:
        mirror.apply(rows, change_ids)


def _insert_new(rows: dict[int, list[Row]]) -> set[int]:
    """Index, in one statement, the claims that have no postings yet; returns their ids.

    A batch of new claims (what analysis mostly sees) then costs one round trip, not a read
    and a transaction. PostgreSQL only, and only outside a transaction: the statement is its
    own transaction, committed without waiting for the flush (see commit_without_waiting).
    """
    if not rows or connection.vendor != "postgresql" or connection.in_atomic_block:
        return set()
    table = connection.ops.quote_name(ClaimTerm._meta.db_table)
    feed = connection.ops.quote_name(IndexChange._meta.db_table)
    # Only the table names are formatted in; everything else is a parameter.
    sql = f"""
        WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)),
        added AS (
            INSERT INTO {table} (claim_id, term, count, doc_len, surface, complete)
            SELECT v.claim_id, v.term, v.count, v.doc_len, v.surface, v.complete
            FROM {_UNNEST}, quick
            WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.claim_id = v.claim_id)
            RETURNING claim_id
        )
        INSERT INTO {feed} (claim_id, txid, created_at)
        SELECT DISTINCT claim_id, {_TXID}, now() FROM added
        RETURNING id, claim_id
    """  # noqa: S608
    try:
        found = fetch(sql, _columns(rows))
    except IntegrityError:
        # Another worker indexed one of them meanwhile, or a claim is gone: the careful
        # path below sorts it out claim by claim.
        return set()
    done = {int(claim_id) for _, claim_id in found}
    _mirror_apply({pk: rows[pk] for pk in done}, [int(i) for i, _ in found])
    return done


def index_write(wanted: dict[int, list[Row]]) -> None:
    """Bring the postings of these claims up to date; unchanged ones are not rewritten."""
    pending = set(wanted) - _insert_new(wanted)
    if not pending:
        return
    stored: dict[int, set[Row]] = {}
    for claim_id, *row in ClaimTerm.objects.filter(claim_id__in=pending).values_list(
        "claim_id", "term", "count", "doc_len", "surface", "complete"
    ):
        stored.setdefault(claim_id, set()).add(tuple(row))  # type: ignore[arg-type]
    # Re-analysis of an unchanged text writes nothing.
    changed = {pk: wanted[pk] for pk in pending if stored.get(pk, set()) != set(wanted[pk])}
    if not changed:
        return
    with transaction.atomic():
        commit_without_waiting()
        ClaimTerm.objects.filter(claim_id__in=[pk for pk in changed if pk in stored]).delete()
        _insert(changed)
        change_ids = _feed(list(changed))
    _mirror_apply(changed, change_ids)


def claims_index(*, claim_ids: Iterable[int], batch_size: int = 1000) -> int:
    """Index many claims at once (a pool to search, a re-index); returns postings written.

    Merged claims are left out of the index; their old postings go.
    """
    written = 0
    ids = list(claim_ids)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        analysed = {
            claim_id: (text, engine.analyze(text))
            for claim_id, text, status in Claim.objects.filter(pk__in=chunk).values_list(
                "pk", "text", "status"
            )
            if status != ClaimStatus.MERGED
        }
        rows = {claim_id: postings_of(f) for claim_id, (_, f) in analysed.items()}
        with transaction.atomic():
            ClaimTerm.objects.filter(claim_id__in=chunk).delete()
            _insert(rows)
            analyses_store([stored_row(pk, text, f) for pk, (text, f) in analysed.items()])
            change_ids = _feed(chunk)
        _mirror_apply({pk: rows.get(pk, []) for pk in chunk}, change_ids)
        written += sum(len(r) for r in rows.values())
    return written


def analyses_store(rows: list[StoredRow]) -> None:
    """Keep these analyses (``ClaimAnalysis``), replacing older ones of the same claims."""
    if rows:
        ClaimAnalysis.objects.bulk_create(
            [
                ClaimAnalysis(claim_id=pk, text_key=key, engine_version=version, data=data)
                for pk, key, version, data in rows
            ],
            update_conflicts=True,
            unique_fields=["claim"],
            update_fields=["text_key", "engine_version", "data"],
        )


def claims_unindex(*, claim_ids: list[int]) -> None:
    """Take claims out of the index (merged into others)."""
    with transaction.atomic():
        ClaimTerm.objects.filter(claim_id__in=claim_ids).delete()
        change_ids = _feed(list(claim_ids))
    _mirror_apply({pk: [] for pk in claim_ids}, change_ids)


def index_feed_prune(*, older_than: timedelta) -> int:
    """Delete index changes older than ``older_than``; returns how many went.

    Mirrors that have not replayed for half the feed's span load the index afresh
    (``mirror.Mirror.replay``), so none depends on what is pruned here.
    """
    cutoff = timezone.now() - older_than
    deleted, _ = IndexChange.objects.filter(created_at__lt=cutoff).delete()
    return deleted
