"""Typed readers for settings that come from the environment.

Each reader refuses a value it cannot use with a ``SettingError`` whose message is one line:
``NAME='value': what is allowed``. The entry points (``manage.py``, WSGI, ASGI, Celery) load the
settings through ``exit_on_bad_settings``, which prints that line and exits, so a bad deployment
stops at start-up with the line that names the fix instead of a long traceback, and never
misbehaves later (a bad rate limit used to be a 500 on every API request).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Collection, Mapping
from typing import NoReturn
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# DRF reads a rate as "<requests>/<period>" and looks only at the period's first letter.
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$", re.IGNORECASE)
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingError(ImproperlyConfigured):
    """An environment variable holds a value the settings cannot use."""

    def __init__(self, name: str, raw: str | None, allowed: str) -> None:
        self.name = name
        shown = "(unset)" if raw is None else repr(raw)
        super().__init__(f"{name}={shown}: {allowed}")


def _source(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str:
    """Return the variable, or ``default``; a missing variable without default is an error."""
    value = _source(environ).get(name)
    if value is None:
        if default is None:
            raise SettingError(name, None, "required; set it in the environment")
        return default
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    """Read a boolean written as 1/0, true/false, yes/no or on/off (any case)."""
    raw = _source(environ).get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(name, raw, "not a boolean; use one of 1/0, true/false, yes/no, on/off")


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Read a whole number, optionally bounded."""
    raw = _source(environ).get(name)
    if raw is None:
        return default
    allowed = f"not an integer; give a whole number{_bounds(minimum, maximum)}"
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingError(name, raw, allowed) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise SettingError(
            name, raw, f"out of range; give a whole number{_bounds(minimum, maximum)}"
        )
    return value


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    environ: Mapping[str, str] | None = None,
) -> float:
    """Read a number (thresholds, timeouts), optionally bounded."""
    raw = _source(environ).get(name)
    if raw is None:
        return default
    above = f" above {minimum}" if exclusive_minimum else ""
    wanted = f"a number{above or _bounds(minimum, maximum)}"
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingError(name, raw, f"not a number; give {wanted}") from None
    too_low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    too_high = maximum is not None and value > maximum
    if value != value or too_low or too_high:  # NaN compares false with everything
        raise SettingError(name, raw, f"out of range; give {wanted}")
    return value


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Read a comma-separated list; blanks between commas are dropped."""
    raw = _source(environ).get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: Collection[str], *, environ: Mapping[str, str] | None = None
) -> str:
    """Read one of a few words (any case); returned as written in ``choices``."""
    raw = _source(environ).get(name)
    if raw is None:
        return default
    by_lower = {choice.lower(): choice for choice in choices}
    value = by_lower.get(raw.strip().lower())
    if value is None:
        raise SettingError(name, raw, f"use one of {', '.join(choices)}")
    return value


def env_url(
    name: str,
    default: str = "",
    *,
    schemes: Collection[str] = ("http", "https"),
    environ: Mapping[str, str] | None = None,
) -> str:
    """Read an absolute URL with one of ``schemes`` and a host; empty stays empty."""
    raw = _source(environ).get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{scheme}://host/…" for scheme in schemes)
        raise SettingError(name, raw, f"not an absolute URL; give {wanted}, or leave it empty")
    return value


def env_rate(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """Read a rate limit written as DRF reads it: ``<requests>/<second|minute|hour|day>``."""
    raw = _source(environ).get(name)
    if raw is None:
        return default
    match = _RATE.match(raw)
    if match is None or int(match.group(1)) < 1:
        raise SettingError(
            name,
            raw,
            "not a rate; write requests per period, e.g. 120/hour (second, minute, "
            "hour or day; at least 1 request)",
        )
    return f"{int(match.group(1))}/{match.group(2).lower()}"


def env_log_level(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """Read a logging level name."""
    level = env_choice(name, default, LOG_LEVELS, environ=environ)
    assert isinstance(logging.getLevelName(level), int)
    return level


def env_fernet_keys(name: str, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Read comma-separated Fernet keys (32 bytes, URL-safe base64); every one must be valid."""
    from cryptography.fernet import Fernet

    keys = env_list(name, [], environ=environ)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise SettingError(
                name,
                _source(environ).get(name),
                f"key {position} is not a Fernet key; each comma-separated key is 32 bytes in "
                "URL-safe base64 (make one with: python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())')",
            ) from None
    return keys


def exit_on_bad_settings() -> None:
    """Load Django's settings; on a refused value print its one line and exit with status 2.

    Called by every entry point before anything else reads the settings, so the person starting
    the process sees which variable to fix, not 55 lines of import traceback.
    """
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading any setting loads the module
    except ImproperlyConfigured as exc:
        exit_with(exc)


def exit_with(exc: Exception) -> NoReturn:
    """Print a refused setting's one line on stderr and exit with status 2."""
    sys.stderr.write(f"Claimdesk cannot start: {exc}\n")
    raise SystemExit(2) from None
