"""Without REDIS_URL, analysis still runs in a separate Celery worker process, on the embedded
broker (a folder of message files, kombu's filesystem transport), as ``make run`` starts it.

A real ``celery worker`` (prefork, one child, like ``make run``) runs against a broker folder of
the test's own and the PostgreSQL test database: a worker in another process cannot reach
SQLite's in-memory test database, so elsewhere the test is skipped, and in CI it fails.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import kombu.pools
import pytest
from django.db import connection

from claimdesk.celery import app as celery_app
from claims.engine import semantic
from claims.models import AnalysisState, Flag, FlagKind
from claims.services import claim_create
from claims.tasks import sweep_analysis
from tests.faults import states, wait_for

ROOT = Path(__file__).resolve().parents[2]
STALE_AFTER_S = 1

# Three reworded pairs with few words in common (the semantic tier's job) and one the words find.
PAIRS = [
    (
        "Huawei plans to begin mass shipments of the Ascend 910C to Chinese customers in May.",
        "Huawei intends to start shipping the 910C in volume to customers in China from May.",
    ),
    (
        "The port of Valmora handled 2.5 million containers in 2019.",
        "In 2019, the port of Valmora handled about 2.5 million containers.",
    ),
]


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the embedded worker test: {what}")
    pytest.skip(f"{what}; skipped outside CI")


class EmbeddedWorker:
    """``celery worker`` processes on a broker folder, with REDIS_URL unset as in ``make run``."""

    def __init__(self, broker_dir: Path, logdir: Path) -> None:
        db = connection.settings_dict
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}}
        self.env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
            "SECRET_KEY": "embedded-worker-test-secret",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "LOCAL_BROKER_DIR": str(broker_dir),
            "ANALYSIS_STALE_AFTER_SECONDS": str(STALE_AFTER_S),
            "MATCHING_SEMANTIC": "auto",
        }
        self.logdir = logdir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        with (self.logdir / f"worker-{len(self.procs)}.log").open("wb") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "claimdesk",
                    "worker",
                    "--concurrency=1",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so the test can kill the worker and its pool together.
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.logdir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def use_folder_broker(broker_dir):
    """Send this process's tasks to the worker's folder (the app is configured once, at import)."""
    queue = broker_dir / "queue"
    control = broker_dir / "control"
    queue.mkdir(parents=True, exist_ok=True)
    control.mkdir(parents=True, exist_ok=True)
    celery_app.conf.broker_url = "filesystem://"
    celery_app.conf.broker_transport_options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
    }
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def embedded(tmp_path):
    require(connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL")
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)
    broker_dir = tmp_path / "broker"
    use_folder_broker(broker_dir)
    conf.task_always_eager = False
    worker = EmbeddedWorker(broker_dir, tmp_path)
    try:
        yield worker
    finally:
        worker.stop_all()
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        kombu.pools.reset()


def queued_messages(worker: EmbeddedWorker) -> int:
    return len(list(Path(worker.env["LOCAL_BROKER_DIR"], "queue").glob("*.msg")))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_saved_claim_is_analysed_by_a_separate_worker_with_the_semantic_tier(editor, embedded):
    worker = embedded.start()
    ids = []
    for original, reworded in PAIRS:
        for text in (original, reworded):
            claim = claim_create(actor=editor, text=text)
            # Committed and published, but not analysed here: that is the worker's job.
            claim.refresh_from_db()
            assert claim.analysis_state == AnalysisState.PENDING
            ids.append(claim.pk)
            # One at a time, so each reworded claim finds its original already analysed.
            wait_for(
                lambda pk=claim.pk: states([pk])[AnalysisState.DONE] == 1,
                90,
                lambda: f"not analysed: {dict(states(ids))}",
                embedded,
            )
    assert worker.poll() is None
    repeats = {frozenset((f.claim_a_id, f.claim_b_id)): f.method for f in Flag.objects.all()}
    first, second = frozenset(ids[:2]), frozenset(ids[2:])
    assert set(repeats) == {first, second}
    assert all(f.kind == FlagKind.REPEAT for f in Flag.objects.all())
    logs = embedded.logs()
    # Every message was taken and no task failed. Celery's per-task "succeeded" lines are
    # turned down to WARNING (quiet logs), so the log holds none of them to count.
    assert queued_messages(embedded) == 0
    assert "raised unexpected" not in logs and " succeeded in " not in logs, logs
    if semantic.available() or os.environ.get("CI"):
        # MATCHING_SEMANTIC=auto is on in the worker: the paraphrase is its find, and the
        # model was loaded once in the worker's one pool process, not per claim.
        assert repeats[first] == "semantic", logs
        assert repeats[second] == "lexical"
        loads = re.findall(r"semantic model \S+ loaded in process (\d+)", logs)
        assert len(loads) == 1, logs
        assert int(loads[0]) not in {os.getpid(), worker.pid}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_killed_worker_restarted_leaves_nothing_unanalysed_after_the_sweep(editor, embedded):
    ports = [
        ("Kestrel Bay", 3.1, 2011),
        ("Orland", 4.2, 2012),
        ("Tamsk", 5.3, 2013),
        ("Brevik", 6.4, 2014),
        ("Quillon", 7.5, 2015),
        ("Pellham", 8.6, 2016),
    ]
    texts = [f"The port of {p} handled {v} million containers in {y}." for p, v, y in ports]
    texts += [f"In {y}, the port of {p} handled about {v} million containers." for p, v, y in ports]
    # A backlog waits in the broker folder before any worker runs.
    ids = [claim_create(actor=editor, text=text).pk for text in texts]
    assert queued_messages(embedded) == len(ids)

    worker = embedded.start()
    wait_for(
        lambda: states(ids)[AnalysisState.DONE] >= 2,
        120,
        lambda: f"the first worker analysed too few claims: {dict(states(ids))}",
        embedded,
    )
    # Kill it with a message taken from the folder but not finished: that message is gone.
    for _attempt in range(400):
        os.killpg(worker.pid, signal.SIGSTOP)
        if queued_messages(embedded) + states(ids)[AnalysisState.DONE] < len(ids):
            break
        os.killpg(worker.pid, signal.SIGCONT)
        time.sleep(0.005)
    else:
        raise AssertionError("never caught the worker with a message in flight")
    embedded.kill(worker)
    assert states(ids)[AnalysisState.PENDING] > 0, "the worker finished everything first"

    # Started again, the worker drains what is left in the folder; the sweep (sent as beat
    # sends it) brings back what the killed worker had taken.
    embedded.start()
    time.sleep(STALE_AFTER_S + 0.5)
    sweep_analysis.delay()
    wait_for(
        lambda: states(ids) == Counter({AnalysisState.DONE: len(ids)}),
        120,
        lambda: f"left unanalysed after the sweep: {dict(states(ids))}",
        embedded,
    )
    # Each reworded claim is flagged against its original exactly once.
    pairs = Counter(
        (frozenset((f.claim_a_id, f.claim_b_id)), f.kind)
        for f in Flag.objects.filter(claim_a_id__in=ids, claim_b_id__in=ids)
    )
    half = len(ids) // 2
    expected = {(frozenset((ids[i], ids[i + half])), FlagKind.REPEAT) for i in range(half)}
    assert expected <= set(pairs), pairs
    assert all(count == 1 for count in pairs.values()), pairs
