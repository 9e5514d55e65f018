"""Create the demo users editor, checker and publisher (for `make run`, never production)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
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
        "or a generated one printed once. Existing users are left as they are."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        missing = [row for row in DEMO_USERS if not User.objects.filter(username=row[0]).exists()]
        if not missing:
            self.stdout.write("Demo users exist already (editor, checker, publisher).")
            return
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        for username, role, staff in missing:
            user = User.objects.create_user(username=username, password=password, is_staff=staff)
            user.groups.add(Group.objects.get(name=role))
        names = ", ".join(row[0] for row in missing)
        if os.environ.get("DEMO_PASSWORD"):
            self.stdout.write(
                self.style.SUCCESS(f"Created {names} with the password in DEMO_PASSWORD.")
            )
        else:
            self.stdout.write(
                self.style.WARNING(f"Created {names}. Password (shown once): {password}")
            )
