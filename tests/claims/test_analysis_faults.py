"""Faults lose no claim: a worker killed mid-analysis and a broker outage during saves leave
every claim analysed, with each expected flag exactly once, once the sweep has run.

The end-to-end test starts its own ``redis-server`` on a free port (never the machine's shared
one) and real Celery workers against it and the PostgreSQL test database (``tests/faults.py``).
It needs the ``redis-server`` binary and DATABASE_URL pointing at PostgreSQL; elsewhere it is
skipped with a message, and in CI (``CI`` set) it fails instead. The other tests run anywhere.

It saves 54 claims; ``FAULT_TEST_CLAIMS=1000`` runs the same scenario on about a thousand (the
large variant, minutes on a busy machine). Either way, analysing every claim again afterwards
must change no flag: what a killed worker, a lost backlog and batches leave is what a clean
analysis of the same texts leaves.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from claimdesk.celery import app as celery_app
from claims import engine
from claims.analysis import claims_needing_analysis, thresholds
from claims.models import AnalysisState, Claim, Flag, FlagKind
from claims.services import claim_create
from claims.tasks import SWEEP_BATCH, analyze_claim, analyze_claims, sweep_analysis
from tests.faults import STALE_AFTER_S, free_port, states, use_broker, wait_for

log = logging.getLogger(__name__)
# How long a save may wait on a dead broker: a refused connection fails in milliseconds, and the
# settings' socket timeouts (2 s) bound a broker that accepts connections but never answers.
REFUSED_BUDGET_S = 1.0
HUNG_BUDGET_S = 3.0
# Claims the end-to-end test saves (rounded to groups of three).
FAULT_TEST_CLAIMS = int(os.environ.get("FAULT_TEST_CLAIMS", "54"))
# Deadlines for the workers, generous on purpose: on a loaded machine a worker needs a while
# to start (and load the semantic model), and a deadline only bounds a failure's wait.
START_DEADLINE_S = 600.0
PER_CLAIM_DEADLINE_S = 2.0


def designed_claims(count: int = FAULT_TEST_CLAIMS) -> list[list[str]]:
    """Groups of three: a claim, a reworded repeat of it, and one with another figure; the
    first 18 ports have names, more get made-up ones."""
    places = [
        "Valmora",
        "Kestrel Bay",
        "Orland",
        "Tamsk",
        "Brevik",
        "Quillon",
        "Harrowgate",
        "Ostrava Nova",
        "Lindqvist",
        "Marasol",
        "Pellham",
        "Zuberg",
        "Carrowmore",
        "Dunvale",
        "Eskerholm",
        "Fallowmere",
        "Glenrock",
        "Ivanport",
    ]
    syllables = ("ka", "ro", "vel", "tin", "mar", "sud", "bel", "quo", "zan", "dre")
    while len(places) < max(1, count // 3):
        n = len(places)
        places.append(
            "".join(syllables[(n // 10**d) % 10] for d in range(4)).capitalize() + "haven"
        )
    groups = []
    for i, place in enumerate(places[: max(1, count // 3)]):
        volume, year = 2 + i * 0.7, 2000 + i % 25
        groups.append(
            [
                f"The port of {place} handled {volume:.1f} million containers in {year}.",
                f"In {year}, the port of {place} handled about {volume:.1f} million containers.",
                f"The port of {place} handled {volume * 3:.1f} million containers in {year}.",
            ]
        )
    return groups


def expected_flags(claims: list[Claim]) -> set[tuple[int, int, str]]:
    """What a clean analysis finds: the engine's verdict on every pair, computed in-process."""
    features = {c.pk: engine.analyze(c.text) for c in claims}
    limits = thresholds()
    found: set[tuple[int, int, str]] = set()
    for a, b in itertools.combinations(sorted(features), 2):
        label = engine.classify(features[a], features[b], thresholds=limits).label
        if label in ("repeat", "conflict"):
            found.add((a, b, label))
    return found


def flag_rows() -> list[tuple[object, ...]]:
    return list(
        Flag.objects.order_by("pk").values_list(
            "pk", "claim_a_id", "claim_b_id", "kind", "score", "method", "reasons", "status"
        )
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_killed_worker_and_broker_outage_leave_no_claim_unanalysed(editor, private_redis, workers):
    server = private_redis
    groups = designed_claims()
    created = []

    # Saved while the broker is up but no worker runs yet, so a backlog waits in the queue.
    cut = len(groups) * 2 // 3
    before = [text for group in groups for text in group[:2]] + [g[2] for g in groups[:cut]]
    created += [claim_create(actor=editor, text=text).pk for text in before]
    deadline = START_DEADLINE_S + PER_CLAIM_DEADLINE_S * len(groups) * 3

    worker = workers.start()
    wait_for(
        lambda: states(created)[AnalysisState.DONE] >= 5,
        START_DEADLINE_S,
        lambda: f"the first worker analysed too few claims: {dict(states(created))}",
        workers,
    )
    # Freeze the worker where it stands and make sure a delivered, unacknowledged message (the
    # analysis it is running) is in flight before killing it.
    unacked = server.client()
    for _attempt in range(200):
        worker.send_signal(signal.SIGSTOP)
        if unacked.hlen("unacked") >= 1:
            break
        worker.send_signal(signal.SIGCONT)
        time.sleep(0.005)
    else:
        raise AssertionError("never caught the worker with a message in flight")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    left_pending = states(created)[AnalysisState.PENDING]
    assert left_pending > 0, "the worker finished everything before it was killed"

    # The broker goes away (with every queued and unacknowledged message: it keeps nothing).
    server.stop()
    during = [g[2] for g in groups[cut:]]
    save_times = []
    for text in during:
        started = time.monotonic()
        claim = claim_create(actor=editor, text=text)
        save_times.append(time.monotonic() - started)
        created.append(claim.pk)
        claim.refresh_from_db()
        assert claim.analysis_state == AnalysisState.PENDING
    # The refused publish is the typical save's cost; on a loaded machine a save's own writes
    # can take a while too, so only a hang (beyond the socket timeouts) fails the slowest.
    assert statistics.median(save_times) < REFUSED_BUDGET_S, save_times
    assert max(save_times) < HUNG_BUDGET_S, save_times

    # Back up, empty: the backlog and the killed worker's message are gone for good, so only
    # the sweep can bring those claims back. A fresh worker runs it as beat would send it.
    server.start()
    assert server.client().dbsize() == 0
    # The sweep only takes claims pending longer than the worker's window: let the last save
    # age past it.
    last_request = Claim.objects.get(pk=created[-1]).analysis_requested_at
    until_stale = STALE_AFTER_S - (timezone.now() - last_request).total_seconds()
    time.sleep(max(0.0, until_stale + 0.1))
    workers.start()
    sweep_analysis.delay()
    swept_at = time.monotonic()
    wait_for(
        lambda: states(created) == Counter({AnalysisState.DONE: len(created)}),
        deadline,
        lambda: f"claims are still not all analysed: {dict(states(created))}",
        workers,
    )
    all_done_s = time.monotonic() - swept_at

    log.info(
        "fault run: %d claims, %d pending when the worker was killed, %d saved with the broker "
        "down (slowest save %.3f s), all analysed %.1f s after the sweep was sent",
        len(created),
        left_pending,
        len(during),
        max(save_times),
        all_done_s,
    )
    claims = list(Claim.objects.filter(pk__in=created))
    assert sorted(c.pk for c in claims) == sorted(created), "a claim was lost"
    assert claims_needing_analysis(stale_after=timedelta(0)) == []
    rows = list(Flag.objects.values_list("claim_a_id", "claim_b_id", "kind"))
    duplicated = {key: n for key, n in Counter(rows).items() if n > 1}
    assert duplicated == {}
    by_pair = Counter((min(a, b), max(a, b)) for a, b, _kind in rows)
    expected = expected_flags(claims)
    assert {kind for _a, _b, kind in expected} == {"repeat", "conflict"}
    assert set(rows) == expected
    assert len(rows) == len(expected)
    assert all(n == 1 for n in by_pair.values())

    # Analysing every claim again (as after an engine upgrade: pending, in the sweep's
    # batches, by the workers) changes no flag, nor adds a history row.
    before_again, history = flag_rows(), Flag.history.count()
    Claim.objects.filter(pk__in=created).update(
        analysis_state=AnalysisState.PENDING, analysis_requested_at=timezone.now()
    )
    for start in range(0, len(created), SWEEP_BATCH):
        analyze_claims.delay(created[start : start + SWEEP_BATCH])
    wait_for(
        lambda: states(created) == Counter({AnalysisState.DONE: len(created)}),
        deadline,
        lambda: f"claims are not all analysed again: {dict(states(created))}",
        workers,
    )
    assert flag_rows() == before_again
    assert Flag.history.count() == history


@pytest.fixture
def dead_broker() -> Iterator[None]:
    """Publish for real, to a port where nothing listens: every publish fails."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    use_broker(f"redis://127.0.0.1:{free_port()}/0")
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        use_broker(saved[0])
        celery_app.conf.task_always_eager = saved[1]


def test_saving_with_the_broker_down_succeeds_quickly_and_leaves_the_claim_pending(
    editor, django_capture_on_commit_callbacks, caplog, dead_broker
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_create(actor=editor, text="Lake Orvin froze over on 12 January 2019.")
    elapsed = time.monotonic() - started
    claim.refresh_from_db()
    assert claim.analysis_state == AnalysisState.PENDING
    assert elapsed < REFUSED_BUDGET_S
    assert f"analysis of claim {claim.pk} not enqueued" in caplog.text


def test_saving_with_a_hung_broker_gives_up_within_the_socket_timeout(
    editor, django_capture_on_commit_callbacks, caplog, private_redis
):
    with django_capture_on_commit_callbacks(execute=True):
        claim_create(actor=editor, text="The Arno ferry carried 90,000 cars in 2015.")
    assert private_redis.client().llen("celery") == 1  # the broker took the first one

    private_redis.freeze()  # accepts the connection, never answers
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_create(actor=editor, text="The Arno ferry carried 91,000 cars in 2016.")
    elapsed = time.monotonic() - started
    log.info("save with a hung broker took %.3f s", elapsed)
    claim.refresh_from_db()
    assert claim.analysis_state == AnalysisState.PENDING
    assert elapsed < HUNG_BUDGET_S
    assert f"analysis of claim {claim.pk} not enqueued" in caplog.text


def lost(editor, text):
    """A claim whose analysis message was lost an hour ago."""
    claim = claim_create(actor=editor, text=text)
    Claim.objects.filter(pk=claim.pk).update(
        analysis_state=AnalysisState.PENDING,
        analysis_requested_at=timezone.now() - timedelta(hours=1),
    )
    return claim


def test_sweep_restarts_the_window_so_it_does_not_resend_on_every_run(
    editor, settings, caplog, dead_broker
):
    settings.ANALYSIS_STALE_AFTER_SECONDS = 600
    claims = [
        lost(editor, text)
        for text in (
            "The Tavor bridge opened to traffic in 1987.",
            "Mount Esk rises 2,310 metres above sea level.",
            "The Dorne railway carried 14 million passengers in 2022.",
        )
    ]
    assert sorted(claims_needing_analysis(stale_after=timedelta(seconds=600))) == sorted(
        c.pk for c in claims
    )

    assert sweep_analysis() == 0  # the broker is down: nothing could be sent
    # It gave up at the first failed publish instead of waiting out every claim's timeout.
    assert caplog.text.count("not enqueued") == 1
    for claim in claims:
        claim.refresh_from_db()
        assert claim.analysis_state == AnalysisState.PENDING
        assert timezone.now() - claim.analysis_requested_at < timedelta(minutes=1)
    # Until their window passes again, the next runs leave them alone.
    assert claims_needing_analysis(stale_after=timedelta(seconds=600)) == []
    assert sweep_analysis() == 0
    assert caplog.text.count("not enqueued") == 1


@contextlib.contextmanager
def engine_broken(monkeypatch, target: str) -> Iterator[None]:
    """``target`` raises; as in a worker, a task's failure is recorded, not raised."""

    def broken(**_kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(target, broken)
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        celery_app.conf.task_eager_propagates = propagates


def test_a_failed_analysis_is_marked_failed_and_the_sweep_retries_it(editor, monkeypatch):
    claim = claim_create(actor=editor, text="The Harlan dam holds 3.1 cubic kilometres of water.")

    with engine_broken(monkeypatch, "claims.tasks.claim_analyze"):
        assert analyze_claim.delay(claim.pk).failed()
    claim.refresh_from_db()
    assert claim.analysis_state == AnalysisState.FAILED

    monkeypatch.undo()
    # Failed claims are swept at once, whatever their window.
    assert claims_needing_analysis(stale_after=timedelta(hours=1)) == [claim.pk]
    assert sweep_analysis() == 1
    claim.refresh_from_db()
    assert claim.analysis_state == AnalysisState.DONE


def test_the_sweep_sends_a_backlog_in_batches_that_analyse_every_claim(editor, monkeypatch):
    monkeypatch.setattr("claims.tasks.SWEEP_BATCH", 2)
    sent: list[list[int]] = []
    send = analyze_claims.delay
    monkeypatch.setattr(analyze_claims, "delay", lambda ids: sent.append(ids) or send(ids))
    claims = [
        lost(editor, text)
        for text in (
            "The Tavor bridge opened to traffic in 1987.",
            "Mount Esk rises 2,310 metres above sea level.",
            "The Tavor bridge opened to traffic in 1989.",
            "The Dorne railway carried 14 million passengers in 2022.",
            "The Dorne railway carried 14 million passengers in 2022, its operator said.",
        )
    ]
    assert sweep_analysis() == 5
    assert [len(batch) for batch in sent] == [2, 2, 1]
    assert sorted(pk for batch in sent for pk in batch) == sorted(c.pk for c in claims)
    assert not Claim.objects.exclude(analysis_state=AnalysisState.DONE).exists()
    # The two bridge claims went in different batches and their dates still conflict.
    bridge = sorted([claims[0].pk, claims[2].pk])
    assert Flag.objects.filter(
        claim_a_id=bridge[0], claim_b_id=bridge[1], kind=FlagKind.CONFLICT
    ).exists()


def test_a_failed_batch_marks_its_pending_claims_failed(editor, monkeypatch):
    claims = [
        lost(editor, "The Harlan dam holds 3.1 cubic kilometres of water."),
        lost(editor, "The Harlan dam was finished in 1961."),
    ]

    with engine_broken(monkeypatch, "claims.tasks.claims_analyze"):
        assert analyze_claims.delay([c.pk for c in claims]).failed()
    assert set(Claim.objects.values_list("analysis_state", flat=True)) == {AnalysisState.FAILED}
