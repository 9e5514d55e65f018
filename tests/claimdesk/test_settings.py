"""Settings come from the environment and refuse bad values at start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from claimdesk.env import env_bool, env_float, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60 + "-production-like-secret-for-the-deploy-check",
    "ALLOWED_HOSTS": "claims.example.org",
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    # check --deploy reads these without connecting.
    "DATABASE_URL": "postgres://claimdesk@db.invalid:5432/claimdesk",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("OFF", False), ("", False)]
)
def test_env_bool_reads_common_spellings(raw, expected):
    assert env_bool("FLAG", default=not expected, environ={"FLAG": raw}) is expected


def test_env_bool_rejects_anything_else():
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG", default=False, environ={"FLAG": "maybe"})


def test_env_int_rejects_non_numbers_and_out_of_range():
    with pytest.raises(ImproperlyConfigured, match="PORT='eighty' is not an integer"):
        env_int("PORT", 1, environ={"PORT": "eighty"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("PORT", 1, minimum=0, environ={"PORT": "-5"})
    assert env_int("PORT", 1, environ={}) == 1


def test_env_float_and_list_and_required_str():
    assert env_float("T", 0.5, environ={"T": "0.75"}) == 0.75
    with pytest.raises(ImproperlyConfigured, match="is not a number"):
        env_float("T", 0.5, environ={"T": "high"})
    assert env_list("HOSTS", [], environ={"HOSTS": "a.org, b.org,,"}) == ["a.org", "b.org"]
    with pytest.raises(ImproperlyConfigured, match="NEEDED is required"):
        env_str("NEEDED", environ={})


def test_missing_secret_key_without_debug_stops_start_up():
    result = run_django({"DEBUG": "0"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_bad_boolean_stops_start_up_naming_the_variable():
    result = run_django({"DEBUG": "perhaps"}, "check")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_URL": "mysql://root@localhost/x"},
            "DATABASE_URL names an unsupported database",
        ),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL could not be read"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with redis://"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS='*' is refused"),
    ],
)
def test_bad_service_urls_stop_start_up(env, message):
    result = run_django({"SECRET_KEY": "s" * 50, "DEBUG": "0", **env}, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_deploy_check_passes_with_production_values():
    result = run_django(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_about_the_embedded_broker_and_database():
    """Production on the development defaults (folder broker, SQLite) is refused by
    check --deploy --fail-level WARNING, naming what to set."""
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///var/deploy-check.sqlite3", "REDIS_URL": ""}
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "claimdesk.W001" in result.stderr and "Set REDIS_URL" in result.stderr
    assert "claimdesk.W002" in result.stderr and "PostgreSQL" in result.stderr
