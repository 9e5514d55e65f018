"""Real services for fault tests: a private ``redis-server`` and real Celery workers.

Shared by the tests that stop Redis or kill a worker (``tests/claims/test_analysis_faults.py``,
``tests/api/test_api_faults.py``, ``tests/claims/test_embedded_worker.py``). The server runs on
a free port and keeps nothing on disk, so the machine's shared Redis is never touched. Without
the ``redis-server`` binary or PostgreSQL the tests that need them are skipped with a message,
and in CI (``CI`` set) they fail instead. The fixtures are registered for every test by
``tests/conftest.py``.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

from claimdesk.celery import app as celery_app
from claims.models import Claim

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)
# The workers' ANALYSIS_STALE_AFTER_SECONDS: the sweep takes a pending claim after this long.
STALE_AFTER_S = 1


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the analysis fault test: {what}")
    pytest.skip(f"{what}; the fault test is skipped outside CI")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_broker(url):
    """Point this process's Celery app at ``url``, dropping pooled connections to the old one.

    Celery keeps its connection and producer pools on private attributes; resetting them is the
    only way to switch brokers in a running process (untyped: celery-types does not know them).
    """
    celery_app.conf.broker_url = url
    # Without REDIS_URL the settings hold the folder broker's options; a Redis broker needs its
    # socket timeouts, else a publish to a hung Redis waits forever.
    celery_app.conf.broker_transport_options = (
        settings.REDIS_BROKER_TRANSPORT_OPTIONS
        if url.startswith("redis")
        else settings.CELERY_BROKER_TRANSPORT_OPTIONS
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # Closes and forgets kombu's shared pools, so none is reused for the other broker.
    kombu.pools.reset()


class PrivateRedis:
    """A throw-away redis-server keeping nothing on disk, so a restart loses every message."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"private redis-server did not start on port {self.port}")

    def freeze(self) -> None:
        """Stop the server without closing its sockets: a broker that hangs."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGCONT)  # a frozen server could not act on SIGTERM
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class Workers:
    """Real ``celery worker`` processes on the private Redis and the test database."""

    def __init__(self, broker_url: str, logdir: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
            "SECRET_KEY": "fault-test-secret",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": broker_url,
            "ANALYSIS_STALE_AFTER_SECONDS": str(STALE_AFTER_S),
        }
        self.logdir = logdir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, loglevel: str = "WARNING") -> subprocess.Popen[bytes]:
        log = (self.logdir / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimdesk",
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                f"--loglevel={loglevel}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.logdir.glob("worker-*.log")))

    def stop_all(self) -> None:
        started = time.monotonic()
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.info("workers stopped in %.1f s", time.monotonic() - started)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    """A private redis-server as this process's broker, with tasks really sent to it."""
    require(shutil.which("redis-server") is not None, "the redis-server binary is not installed")
    server = PrivateRedis(tmp_path)
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    try:
        server.start()
        use_broker(server.url)
        celery_app.conf.task_always_eager = False
        yield server
    finally:
        server.stop()
        use_broker(saved[0])
        celery_app.conf.task_always_eager = saved[1]


@pytest.fixture
def workers(private_redis, tmp_path) -> Iterator[Workers]:
    require(connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL")
    workers = Workers(private_redis.url, tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()


def wait_for(condition, timeout, describe, workers):
    """Poll until ``condition()``; on timeout, fail with ``describe()`` and the worker logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"after {timeout}s: {describe()}\n--- worker logs ---\n{workers.logs()}")


def states(ids: list[int]) -> Counter[str]:
    return Counter(Claim.objects.filter(pk__in=ids).values_list("analysis_state", flat=True))
