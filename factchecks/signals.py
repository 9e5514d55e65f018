"""Claims are matched against external reviews right after their analysis, in the same worker.

The claims app knows nothing of external reviews (imports run one way); its analysis tasks
send ``claims.signals.claims_analysed`` with the analysed claims (one, or a backlog batch), so
a new or edited claim is matched with no message of its own and a backlog is matched batch by
batch.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from claims.signals import claims_analysed

from .matching import claims_match


@receiver(claims_analysed, dispatch_uid="factchecks-match-analysed-claims")
def _match_analysed(sender: Any, claim_ids: list[int], **kwargs: Any) -> None:
    claims_match(claim_ids=list(claim_ids))
