"""The local development settings file that ``make run`` writes: ``var/dev.env``.

It holds ``DEBUG=1`` and a ``SECRET_KEY`` generated once for this checkout, so that every
``manage.py`` command run from the checkout afterwards (``shell``, ``createsuperuser``, an
import) works without setting anything, and sessions survive restarts of ``make run``.

Production is told apart by its environment: a production deployment must set ``SECRET_KEY``
(settings refuse to start without it when ``DEBUG`` is off), and the file is read only when the
environment sets neither ``SECRET_KEY`` nor ``DEBUG``. Only ``manage.py`` reads it; the WSGI and
ASGI entry points and ``celery -A claimdesk`` never do, so a production web server or worker
cannot pick up ``DEBUG=1`` from a stray file. ``var/`` is ignored by git.

``python -m claimdesk.devenv`` writes the file when it does not exist yet.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "var" / "dev.env"
# Lets tests (and anyone keeping several checkouts' state apart) name another file.
PATH_VARIABLE = "DEV_ENV_FILE"
# Either one in the environment means the environment is in charge (production sets both or
# at least SECRET_KEY), and the file is left alone.
DECIDING_VARIABLES = ("SECRET_KEY", "DEBUG")


def dev_env_path(environ: MutableMapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get(PATH_VARIABLE) or DEFAULT_PATH)


def dev_env_write(*, path: Path | None = None) -> bool:
    """Create the file with ``DEBUG=1`` and a new ``SECRET_KEY``; False when it exists already
    (its key is kept, so sessions and encrypted webhook secrets stay readable)."""
    path = dev_env_path() if path is None else path
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    content = (
        "# Written by `make run` for local development only; ignored by git. manage.py reads it\n"
        "# when the environment sets neither SECRET_KEY nor DEBUG (never in production).\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    # Readable by its owner only: it holds a secret key.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    return True


def dev_env_load(environ: MutableMapping[str, str] | None = None) -> bool:
    """Add the file's values to ``environ`` (never overriding one already set); True when read.

    Skipped when ``SECRET_KEY`` or ``DEBUG`` is already set, or when there is no file.
    """
    environ = os.environ if environ is None else environ
    if any(name in environ for name in DECIDING_VARIABLES):
        return False
    path = dev_env_path(environ)
    if path.exists() and not path.is_file():
        from claimdesk.env import SettingError

        raise SettingError(PATH_VARIABLE, str(path), "names a folder; name the file to read")
    if not path.is_file():
        return False
    for name, value in dotenv_values(path).items():
        if value is not None:
            environ.setdefault(name, value)
    return True


if __name__ == "__main__":
    if dev_env_write():
        print(f"wrote {dev_env_path()} (DEBUG=1, a new SECRET_KEY) for local commands")  # noqa: T201
