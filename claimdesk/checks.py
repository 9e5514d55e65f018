"""Deployment checks of Claimdesk's own (``manage.py check --deploy``).

The embedded default (SQLite and a broker folder) is right for one person's machine and wrong
for a newsroom's server: a second web process would not see the folder's messages, and SQLite
admits one writer at a time. ``check --deploy`` says so instead of letting it run quietly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def embedded_services_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when production would run on the development broker or database."""
    found: list[CheckMessage] = []
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        found.append(
            Warning(
                "REDIS_URL is not set, so Celery's broker is the folder "
                f"{settings.BROKER_DIR} and the cache is per process.",
                hint="Set REDIS_URL: the folder broker serves one machine only.",
                id="claimdesk.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        found.append(
            Warning(
                "The database is SQLite, which admits one writer at a time.",
                hint="Set DATABASE_URL to a PostgreSQL database (postgres://...).",
                id="claimdesk.W002",
            )
        )
    return found
