"""Re-encrypt webhook signing secrets under the current key, after a key rotation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from publishing.webhook_services import webhook_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every webhook endpoint's signing secret under the first key of "
        "WEBHOOK_SECRET_KEYS. Put the new key first (keeping the old ones after it), run this, "
        "then remove the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = webhook_secrets_reencrypt()
        self.stdout.write(f"Re-encrypted the secrets of {count} webhook endpoint(s).")
