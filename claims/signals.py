"""Signals of the claims app, for apps above it (claims imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the analysis tasks once claims were analysed (one claim, or a backlog batch), in the
# worker, after the analysis committed; ``claim_ids`` lists them. Apps that follow a claim's
# text with work of their own (factchecks matches it against other outlets' fact-checks)
# listen here instead of sending a message of their own per saved claim. Receivers run with
# ``send_robust``: their failure is logged and never fails the analysis.
claims_analysed = Signal()
