"""Create the demo users editor, checker and publisher (for `make run`, never production)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims.roles import EDITORS, FACT_CHECKERS, PUBLISHERS

DEMO_USERS = (
    # username, role, may use the admin
    ("editor", EDITORS, True),
    ("checker", FACT_CHECKERS, False),
    ("publisher", PUBLISHERS, False),
)


class Command(BaseCommand):
    help = (
        "Create the demo users editor, checker and publisher. The password is DEMO_PASSWORD, "
        "or a generated one printed once; either must pass Django's password validators. "
        "Existing users are left as they are, unless --reset-password gives them a new one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give the existing demo users a new password (DEMO_PASSWORD or a generated "
            "one, printed once), for a lost demo password. Also unlocks them if sign-in "
            "failures locked them out.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        reset = bool(options["reset_password"])
        existing = set(
            User.objects.filter(username__in=[row[0] for row in DEMO_USERS]).values_list(
                "username", flat=True
            )
        )
        missing = [row for row in DEMO_USERS if row[0] not in existing]
        if not missing and not reset:
            self.stdout.write(
                "Demo users exist already (editor, checker, publisher). Lost the password? "
                "Run: python manage.py create_demo_users --reset-password"
            )
            return
        given = os.environ.get("DEMO_PASSWORD", "")
        password = given or secrets.token_urlsafe(12)
        for username, role, staff in DEMO_USERS:
            if username not in existing:
                user = User(username=username, is_staff=staff)
                _check_password(password, user, given=bool(given))
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=role))
            elif reset:
                user = User.objects.get(username=username)
                _check_password(password, user, given=bool(given))
                user.set_password(password)
                user.save(update_fields=["password"])
        if reset and existing:
            _unlock(sorted(existing))
        names = ", ".join(row[0] for row in DEMO_USERS if reset or row[0] not in existing)
        done = "Set a new password for" if reset else "Created"
        if given:
            self.stdout.write(self.style.SUCCESS(f"{done} {names}: the password in DEMO_PASSWORD."))
        else:
            self.stdout.write(
                self.style.WARNING(f"{done} {names}. Password (shown once): {password}")
            )


def _check_password(password: str, user: User, *, given: bool) -> None:
    """Django's validators (AUTH_PASSWORD_VALIDATORS), as for any other account."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        source = "DEMO_PASSWORD" if given else "the generated password"
        # One line, no traceback; nothing was saved (the command runs in one transaction).
        raise CommandError(f"{source} is refused: {' '.join(exc.messages)}") from None


def _unlock(usernames: list[str]) -> None:
    """Forget the sign-in failures (django-axes) of these users, so the new password works at
    once."""
    from axes.models import AccessAttempt  # type: ignore[import-untyped]

    AccessAttempt.objects.filter(username__in=usernames).delete()
