"""Run the development server with a real Celery worker and beat beside it (``make run``).

Without ``REDIS_URL`` the broker is a folder under ``var/broker`` (see settings), so tasks run in
another process exactly as in production: after commit, with retries, the sweep and, when it is
installed, the semantic tier. A worker or beat that exits is reported and started again (after a
growing pause when it keeps crashing); the server stopping, or Ctrl-C, stops all three.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

# A process that ran at least this long before exiting is restarted at once; one that crashes
# sooner waits 1, 2, 4 … up to MAX_PAUSE seconds, so a broken worker does not spin.
STEADY_AFTER_S = 30.0
MAX_PAUSE_S = 30.0
# How long Celery gets for a warm shutdown (finishing its current task) before it is killed.
STOP_GRACE_S = 15.0


@dataclass
class Child:
    """One supervised process: its command line, and its current run."""

    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_crashes: int = 0
    restart_at: float | None = field(default=None)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv)  # noqa: S603 (our own interpreter and arguments)
        self.started_at = time.monotonic()
        self.restart_at = None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Serve the site with a Celery worker and beat beside it; Ctrl-C stops all of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1", help="address to serve on")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--concurrency", type=int, default=1, help="worker processes (each loads the model)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "claimdesk"]
        web = Child(
            "web", [python, "manage.py", "runserver", f"{options['addr']}:{options['port']}"]
        )
        helpers = [
            Child(
                "worker",
                [
                    *celery,
                    "worker",
                    "--loglevel=INFO",
                    f"--concurrency={options['concurrency']}",
                    # One worker on one machine: nothing to synchronise with or watch for.
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
            ),
            Child("beat", [*celery, "beat", "--loglevel=INFO"]),
        ]
        children = [web, *helpers]
        # SIGTERM (from a process manager) stops everything like Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            for child in children:
                child.start()
            self._supervise(web, helpers)
        except KeyboardInterrupt:
            self.stderr.write("Stopping the server, the worker and beat …")
        finally:
            self._stop(children)

    def _supervise(self, web: Child, helpers: list[Child]) -> None:
        while True:
            time.sleep(0.5)
            assert web.proc is not None
            if web.proc.poll() is not None:
                self.stderr.write(f"The web server exited with code {web.proc.returncode}.")
                return
            now = time.monotonic()
            for child in helpers:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        child.start()
                    continue
                assert child.proc is not None
                code = child.proc.poll()
                if code is None:
                    continue
                ran = now - child.started_at
                child.quick_crashes = 0 if ran >= STEADY_AFTER_S else child.quick_crashes + 1
                pause = (
                    min(MAX_PAUSE_S, 2.0 ** (child.quick_crashes - 1))
                    if child.quick_crashes
                    else 0.0
                )
                self.stderr.write(
                    self.style.ERROR(
                        f"The Celery {child.name} exited with code {code} after {ran:.0f} s; "
                        f"starting it again in {pause:.0f} s. Claims saved meanwhile stay "
                        "pending until it runs."
                    )
                )
                child.restart_at = now + pause

    def _stop(self, children: list[Child]) -> None:
        running = [c.proc for c in children if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            # Celery's warm shutdown: the current task finishes and its message is acknowledged.
            proc.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
