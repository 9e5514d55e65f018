"""New and edited claims are matched against external reviews once they are committed.

The claims app knows nothing of external reviews (imports run one way), so this app listens
to ``Claim`` saves: a claim created, or saved with its text among the changed fields (the
claim services save only what changed), is matched after commit. Bulk writes (benchmarks,
merges) send no signal; ``match_claims`` can be run for them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from claims.models import Claim

from .tasks import enqueue_claim_matching


@receiver(post_save, sender=Claim, dispatch_uid="factchecks-claim-match")
def _match_after_commit(
    sender: type[Claim],
    instance: Claim,
    created: bool,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if kwargs.get("raw"):
        return
    if not created and (update_fields is None or "text" not in update_fields):
        return
    claim_id = instance.pk
    transaction.on_commit(lambda: enqueue_claim_matching([claim_id]))
