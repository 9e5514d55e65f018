"""``manage.py run_local`` (what ``make run`` ends with): a crashed worker is reported and started
again, and an interrupt stops the server, the worker and beat together.

Real processes on a broker folder of the test's own; the worker needs no database to start, so
an empty SQLite file stands in for one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> dict[int, str]:
    """Direct children of ``pid`` and their command lines (Linux /proc)."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            found[int(child)] = cmdline.replace(b"\0", b" ").decode()
    return found


def descendants(pid: int) -> list[int]:
    found = list(children(pid))
    for child in list(found):
        found += descendants(child)
    return found


def role(pid: int, word: str) -> int | None:
    return next((child for child, cmd in children(pid).items() if f" {word} " in cmd + " "), None)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"


def wait_until(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout}s\n--- output ---\n{log.read_text()[-4000:]}")


def test_crashed_worker_is_reported_and_restarted_and_an_interrupt_stops_all(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        SECRET_KEY="run-local-test-secret",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        LOCAL_BROKER_DIR=str(tmp_path / "broker"),
        MATCHING_SEMANTIC="off",
    )
    log = tmp_path / "run_local.log"
    with log.open("wb") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "manage.py", "run_local", "--port", str(free_port())],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: all(role(supervisor.pid, w) for w in ("runserver", "worker", "beat")),
            60,
            "the server, the worker and beat did not all start",
            log,
        )
        worker = role(supervisor.pid, "worker")
        assert worker is not None
        os.kill(worker, signal.SIGKILL)
        wait_until(
            lambda: role(supervisor.pid, "worker") not in {None, worker},
            30,
            "the killed worker was not started again",
            log,
        )
        assert "The Celery worker exited with code -9" in log.read_text()

        # The three, the server's reloader child and the restarted worker's pool process.
        wait_until(
            lambda: len(descendants(supervisor.pid)) >= 5, 30, "the processes did not start", log
        )
        started = descendants(supervisor.pid)
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=40)
        wait_until(
            lambda: not any(alive(pid) for pid in started),
            20,
            "a process outlived the interrupt",
            log,
        )
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()
