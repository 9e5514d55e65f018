"""Re-encrypt webhook signing secrets under the current key, after a key rotation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from publishing.webhook_services import webhook_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every webhook endpoint's signing secret under the first key of "
        "WEBHOOK_SECRET_KEYS. Put the new key first (keeping the old ones after it), run this, "
        "then remove the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = webhook_secrets_reencrypt()
        self.stdout.write(f"Re-encrypted the secrets of {result.changed} webhook endpoint(s).")
        if result.unreadable:
            ids = ", ".join(str(pk) for pk in result.unreadable[:20])
            more = " …" if len(result.unreadable) > 20 else ""
            # CommandError: one line on stderr and exit status 1, no traceback.
            raise CommandError(
                f"{len(result.unreadable)} webhook endpoint(s) ({ids}{more}) have a secret that no "
                "key in WEBHOOK_SECRET_KEYS (nor one derived from SECRET_KEY or "
                "SECRET_KEY_FALLBACKS) decrypts; add back the key they were encrypted with "
                "and run this again. They were left unchanged."
            )
