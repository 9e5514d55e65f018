"""`make clean` removes the local state a run leaves, beat's schedule files included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_clean_removes_beat_schedules_and_keeps_the_dev_env(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    left = [
        ".venv/bin/python",
        "var/claimdesk.sqlite3",
        "var/broker/queue/message.msg",
        "var/celerybeat-schedule",
        "var/celerybeat-schedule.db",
        "var/celerybeat-schedule.dir",
        "var/celerybeat-schedule.bak",
        "var/celerybeat.pid",
        "celerybeat-schedule.dat",
        "celerybeat.pid",
    ]
    kept = ["var/dev.env", "README.md"]
    for name in [*left, *kept]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")

    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True, timeout=60)

    assert [name for name in left if (tmp_path / name).exists()] == []
    assert all((tmp_path / name).exists() for name in kept)
