"""Publishing a claim's analysis to the workers, for code below the task module.

``claims.analysis`` requests analyses but must not import ``claims.tasks`` (the task module is
the top of that stack and imports the analysis), so the task is looked up by its name; the
claims app imports its tasks at start-up, which registers it.
"""

from __future__ import annotations

import logging

from celery import current_app
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

ANALYZE_TASK = "claims.tasks.analyze_claim"


def analysis_enqueue(claim_id: int) -> bool:
    """Publish the analysis of a claim; False, with a warning, when the broker is unreachable.

    Never raises for a broker failure: this runs after the claim was committed, often inside
    the user's request, and the claim is already pending, so the sweep enqueues it later.
    """
    try:
        current_app.tasks[ANALYZE_TASK].delay(claim_id)
    except OperationalError as exc:
        log.warning(
            "analysis of claim %s not enqueued, the broker is unreachable (%s); "
            "the sweep will enqueue it",
            claim_id,
            exc,
        )
        return False
    return True
