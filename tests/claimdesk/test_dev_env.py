"""After ``make run``, manage.py works from the checkout with no environment (var/dev.env), and
production, which sets SECRET_KEY or DEBUG itself, never reads that file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from claimdesk.devenv import dev_env_load, dev_env_write

ROOT = Path(__file__).resolve().parents[2]
SHOW = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


@pytest.fixture
def dev_file(tmp_path) -> Path:
    path = tmp_path / "dev.env"
    assert dev_env_write(path=path)
    return path


def run(env: dict[str, str], *args: str, entry: list[str] | None = None):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DEV_ENV_FILE"}
    }
    return subprocess.run(
        [sys.executable, *(["manage.py"] if entry is None else entry), *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def file_values(path: Path) -> dict[str, str]:
    environ = {"DEV_ENV_FILE": str(path)}
    assert dev_env_load(environ)
    return environ


def test_written_once_readable_by_its_owner_only_and_keeps_its_key(dev_file):
    first = file_values(dev_file)
    assert first["DEBUG"] == "1"
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(dev_file.stat().st_mode) == 0o600
    assert not dev_env_write(path=dev_file)
    assert file_values(dev_file)["SECRET_KEY"] == first["SECRET_KEY"]


def test_manage_py_works_with_no_environment_after_make_run(dev_file):
    result = run({"DEV_ENV_FILE": str(dev_file)}, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    debug, key = result.stdout.split()[-2:]
    assert debug == "True"
    assert key == file_values(dev_file)["SECRET_KEY"]


def test_without_the_file_a_missing_secret_key_still_stops_start_up(tmp_path):
    result = run({"DEV_ENV_FILE": str(tmp_path / "absent.env")}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY=(unset): required when DEBUG is off" in result.stderr


def test_production_never_reads_the_file(dev_file):
    # DEBUG set to off by the environment: the file is ignored, and the key is still required.
    result = run({"DEV_ENV_FILE": str(dev_file), "DEBUG": "0"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY=(unset): required when DEBUG is off" in result.stderr
    # SECRET_KEY set by the environment: DEBUG stays off, whatever the file says.
    result = run({"DEV_ENV_FILE": str(dev_file), "SECRET_KEY": "p" * 50}, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "p" * 50]


def test_the_wsgi_entry_point_never_reads_the_file(dev_file):
    code = "import claimdesk.wsgi"
    result = run({"DEV_ENV_FILE": str(dev_file)}, "-c", code, entry=[])
    assert result.returncode != 0
    assert "SECRET_KEY=(unset): required when DEBUG is off" in result.stderr
