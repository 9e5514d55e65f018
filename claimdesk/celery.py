"""The Celery application. Configuration is read from Django settings (``CELERY_*``)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_init

from claimdesk.env import exit_on_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")


def _started_by_celery() -> bool:
    """Whether this process is ``celery -A claimdesk …`` (or ``python -m celery``)."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return program.name == "celery" or (
        program.name == "__main__.py" and program.parent.name == "celery"
    )


if _started_by_celery():
    # A worker or beat checks the settings first, as manage.py does: a bad value stops it
    # with one line. Elsewhere this module is imported while the settings load, so not there.
    exit_on_bad_settings()

app = Celery("claimdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Set in a Celery worker's main process before its pool forks, so its children inherit it;
# never set in a web process, a management command or a unit test running tasks eagerly.
_in_worker = False


def in_worker() -> bool:
    """Whether this process is a Celery worker (where the semantic tier's model may load)."""
    return _in_worker


@worker_init.connect
def mark_worker(**_: Any) -> None:
    global _in_worker
    _in_worker = True


@worker_init.connect
def load_index_mirror(**_: Any) -> None:
    """Load the analysis index mirror once, before the pool forks.

    Prefork children inherit it (pages shared until written) and only replay what changed
    since, instead of each loading the whole index on its first task. A failure here is
    logged, never fatal: a child then loads the mirror itself when it first ranks.
    """
    from django.db import DatabaseError, connections

    from claims.analysis import index_mirror

    try:
        index_mirror()
    except DatabaseError as exc:
        logging.getLogger(__name__).warning("index mirror not preloaded: %s", exc)
    finally:
        # Children must open their own connections, never share the parent's socket.
        connections.close_all()
