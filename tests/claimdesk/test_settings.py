"""Settings come from the environment and refuse bad values at start-up with a clear message."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from claimdesk.env import (
    SettingError,
    env_bool,
    env_fernet_keys,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_str,
    env_url,
)

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


def run_django(
    env: dict[str, str], *args: str, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``manage.py`` with ``env`` over this environment, minus the deciding variables and
    ``drop``."""
    unset = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", *drop}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
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
    with pytest.raises(SettingError, match="FLAG='maybe': not a boolean"):
        env_bool("FLAG", default=False, environ={"FLAG": "maybe"})


def test_env_int_rejects_non_numbers_and_out_of_range():
    with pytest.raises(SettingError, match="PORT='eighty': not an integer"):
        env_int("PORT", 1, environ={"PORT": "eighty"})
    with pytest.raises(SettingError, match="PORT='-5': out of range; give a whole number of at"):
        env_int("PORT", 1, minimum=0, environ={"PORT": "-5"})
    assert env_int("PORT", 1, environ={}) == 1


def test_env_float_and_list_and_required_str():
    assert env_float("T", 0.5, environ={"T": "0.75"}) == 0.75
    with pytest.raises(SettingError, match="T='high': not a number"):
        env_float("T", 0.5, environ={"T": "high"})
    with pytest.raises(SettingError, match="T='nan': out of range; give a number from 0 to 1"):
        env_float("T", 0.5, minimum=0, maximum=1, environ={"T": "nan"})
    assert env_list("HOSTS", [], environ={"HOSTS": "a.org, b.org,,"}) == ["a.org", "b.org"]
    with pytest.raises(SettingError, match=r"NEEDED=\(unset\): required"):
        env_str("NEEDED", environ={})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("120/hour", "120/hour"), (" 5 / Min ", "5/min"), ("1/s", "1/s"), ("1000/day", "1000/day")],
)
def test_env_rate_reads_what_drf_reads(raw, expected):
    assert env_rate("RATE", "1/hour", environ={"RATE": raw}) == expected


@pytest.mark.parametrize("raw", ["lots", "0/hour", "10/fortnight", "ten/hour", "10", ""])
def test_env_rate_refuses_anything_else(raw):
    with pytest.raises(SettingError, match="not a rate"):
        env_rate("RATE", "1/hour", environ={"RATE": raw})


def test_env_url_and_fernet_keys():
    assert env_url("U", environ={"U": ""}) == ""
    assert env_url("U", environ={"U": "https://desk.example.org"}) == "https://desk.example.org"
    with pytest.raises(SettingError, match=r"U='desk\.example\.org': not an absolute URL"):
        env_url("U", environ={"U": "desk.example.org"})
    good = "q2gWnYfUr3bIv2vQ8Jmx1h4Ei8lRzUP7jWnGGWZqZ3o="
    assert env_fernet_keys("K", environ={"K": f"{good}, {good}"}) == [good, good]
    with pytest.raises(SettingError, match="key 2 is not a Fernet key"):
        env_fernet_keys("K", environ={"K": f"{good},abc"})


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


# One bad value per variable, and the start of what the one-line message says about it. Every
# run is `manage.py check` with an otherwise valid production-like environment.
BAD_VALUES: list[tuple[str, str | None, str]] = [
    ("DEBUG", "perhaps", "DEBUG='perhaps': not a boolean; use one of 1/0"),
    ("SECRET_KEY", None, "SECRET_KEY=(unset): required when DEBUG is off"),
    ("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS='*': '*' is refused when DEBUG is off"),
    (
        "CSRF_TRUSTED_ORIGINS",
        "claims.example.org",
        "CSRF_TRUSTED_ORIGINS='claims.example.org': each origin needs its scheme",
    ),
    (
        "DATABASE_URL",
        "mysql://root@localhost/x",
        "DATABASE_URL='mysql://root@localhost/x': unsupported database",
    ),
    ("DATABASE_URL", "nonsense", "DATABASE_URL='nonsense': could not be read; use postgres://"),
    ("DB_CONN_MAX_AGE", "-1", "DB_CONN_MAX_AGE='-1': out of range"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379': must start with redis://"),
    (
        "LOCAL_BROKER_DIR",
        "/proc/claimdesk-broker",
        "LOCAL_BROKER_DIR='/proc/claimdesk-broker': cannot create the broker folder there",
    ),
    ("DEV_ENV_FILE", "/etc", "DEV_ENV_FILE='/etc': names a folder"),
    ("SECURE_SSL_REDIRECT", "sometimes", "SECURE_SSL_REDIRECT='sometimes': not a boolean"),
    ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS='a year': not an integer"),
    ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "y", "SECURE_HSTS_INCLUDE_SUBDOMAINS='y': not a boolean"),
    ("SECURE_HSTS_PRELOAD", "2", "SECURE_HSTS_PRELOAD='2': not a boolean"),
    ("SECURE_PROXY_SSL_HEADER_ENABLED", "x", "SECURE_PROXY_SSL_HEADER_ENABLED='x': not a boolean"),
    ("SESSION_COOKIE_SECURE", "x", "SESSION_COOKIE_SECURE='x': not a boolean"),
    ("CSRF_COOKIE_SECURE", "x", "CSRF_COOKIE_SECURE='x': not a boolean"),
    ("MATCHING_REPEAT_THRESHOLD", "1.5", "MATCHING_REPEAT_THRESHOLD='1.5': out of range; give a"),
    ("MATCHING_RELATED_THRESHOLD", "-0.1", "MATCHING_RELATED_THRESHOLD='-0.1': out of range"),
    ("MATCHING_CONFLICT_THRESHOLD", "high", "MATCHING_CONFLICT_THRESHOLD='high': not a number"),
    ("INGEST_CANDIDATE_THRESHOLD", "2", "INGEST_CANDIDATE_THRESHOLD='2': out of range"),
    ("MATCHING_SEMANTIC", "sometimes", "MATCHING_SEMANTIC='sometimes': use one of auto, on, off"),
    ("ANALYSIS_STALE_AFTER_SECONDS", "-5", "ANALYSIS_STALE_AFTER_SECONDS='-5': out of range"),
    ("ANALYSIS_INDEX_FEED_HOURS", "0", "ANALYSIS_INDEX_FEED_HOURS='0': out of range"),
    ("ANALYSIS_PREPARED_STATEMENTS", "x", "ANALYSIS_PREPARED_STATEMENTS='x': not a boolean"),
    (
        "CELERY_VISIBILITY_TIMEOUT",
        "300",
        "CELERY_VISIBILITY_TIMEOUT='300': must be greater than ANALYSIS_STALE_AFTER_SECONDS (600)",
    ),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD': use one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ("API_RATE_LIMIT", "lots", "API_RATE_LIMIT='lots': not a rate; write requests per period"),
    ("API_SUBMIT_RATE_LIMIT", "9/fortnight", "API_SUBMIT_RATE_LIMIT='9/fortnight': not a rate"),
    ("CLAIMREVIEW_AUTHOR_NAME", " ", "CLAIMREVIEW_AUTHOR_NAME='': must name the organisation"),
    ("CLAIMREVIEW_AUTHOR_URL", "example.org", "CLAIMREVIEW_AUTHOR_URL='example.org': not an"),
    ("WEBHOOKS_ALLOW_PRIVATE", "x", "WEBHOOKS_ALLOW_PRIVATE='x': not a boolean"),
    ("WEBHOOK_TIMEOUT_SECONDS", "0", "WEBHOOK_TIMEOUT_SECONDS='0': out of range; give a number"),
    ("WEBHOOK_SECRET_KEYS", "not-a-key", "WEBHOOK_SECRET_KEYS='not-a-key': key 1 is not a Fernet"),
    ("SITE_URL", "desk.example.org", "SITE_URL='desk.example.org': not an absolute URL"),
    (
        "CLAIMREVIEW_URL_TEMPLATE",
        "https://f.example.org/reviews/",
        "CLAIMREVIEW_URL_TEMPLATE='https://f.example.org/reviews/': must contain {id}",
    ),
    ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT='0': out of range"),
    ("AXES_COOLOFF_HOURS", "0", "AXES_COOLOFF_HOURS='0': out of range; give a number above 0"),
    ("AXES_PROXY_COUNT", "-1", "AXES_PROXY_COUNT='-1': out of range"),
]


def bad_env(variable: str, value: str | None) -> dict[str, str]:
    if variable == "DEV_ENV_FILE":
        return {variable: str(value)}  # read only when neither SECRET_KEY nor DEBUG is set
    env = dict(PRODUCTION_ENV)
    if variable == "LOCAL_BROKER_DIR":
        env["REDIS_URL"] = ""  # the folder is the broker only without Redis
    if value is None:
        env.pop(variable, None)
    else:
        env[variable] = value
    return env


@pytest.fixture(scope="module")
def bad_value_runs() -> dict[tuple[str, str | None], subprocess.CompletedProcess[str]]:
    """Every bad value's `manage.py check`, run a few at a time (each is a fresh Django)."""

    def run(case: tuple[str, str | None, str]) -> subprocess.CompletedProcess[str]:
        variable, value, _message = case
        return run_django(bad_env(variable, value), "check", drop=(variable,))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, BAD_VALUES))
    return {(v, value): result for (v, value, _m), result in zip(BAD_VALUES, results, strict=True)}


@pytest.mark.parametrize(("variable", "value", "message"), BAD_VALUES)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(
    bad_value_runs, variable, value, message
):
    result = bad_value_runs[(variable, value)]
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no traceback, no log line
    assert lines[0].startswith(f"Claimdesk cannot start: {message}"), lines[0]


def test_every_documented_variable_has_a_bad_value_test():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Settings") :]
    table = table[: table.index("\n## ")]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    tested = {variable for variable, _value, _message in BAD_VALUES}
    assert documented - tested == set()
    assert tested - documented == set(), "a tested variable is missing from the README table"


def test_a_valid_rate_limit_reaches_the_throttle(settings):
    # What the settings read is what DRF parses: "5/min" is 5 per 60 s.
    from claimdesk.api.throttling import CallerRateThrottle

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": env_rate("R", "1/hour", environ={"R": "5 / Min"})},
    }
    assert CallerRateThrottle().parse_rate(CallerRateThrottle().get_rate()) == (5, 60)
