"""Where analysis spends its time: wall time summed per stage, in this process.

Always on (two clock reads per stage and batch); ``bench_matching`` prints the totals per
claim, so a change to the pipeline shows which stage it made cheaper or dearer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_totals: dict[str, float] = {}


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        with _lock:
            _totals[name] = _totals.get(name, 0.0) + elapsed


def totals() -> dict[str, float]:
    """Seconds per stage since the last ``reset``."""
    with _lock:
        return dict(_totals)


def reset() -> None:
    with _lock:
        _totals.clear()
