"""Issue an API token: ``manage.py create_api_token USERNAME [--scopes read,submit]``.

Prints what was issued, then the token alone on the last line (for scripts); it is not stored
and cannot be shown again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from publishing.services import api_token_create


class Command(BaseCommand):
    help = "Issue an API token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--scopes", default="read", help="Comma-separated: read, submit (default: read)."
        )
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        try:
            # Run from the server's shell, so it acts as the system (actor=None).
            api_token, token = api_token_create(
                actor=None,
                user=user,
                name=options["name"] or f"Issued from the command line for {user.username}",
                scopes=options["scopes"].split(","),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stderr.write(
            f"Issued token {api_token.prefix}… (scopes: {api_token.scopes}) for {user.username}."
        )
        self.stdout.write(token)
