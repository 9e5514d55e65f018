"""Signals the review workflow sends to the apps built on top of it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the verdict services inside their transaction when a verdict is published, corrected
# or retracted, with ``verdict`` and ``kind`` (a ``reviews.models.ChangeKind``). The publishing
# app appends to the change feed and writes the webhook outbox from it, in the same
# transaction; reviews itself never imports publishing.
verdict_changed = Signal()
