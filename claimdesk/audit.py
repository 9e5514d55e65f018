"""Saving with an audit trail: every service write goes through :func:`save_audited`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from claimdesk.permissions import acting_user


def save_audited(
    instance: models.Model,
    *,
    actor: Any,
    reason: str,
    update_fields: Iterable[str] | None = None,
    validate: bool = True,
) -> None:
    """Validate (fields and database constraints), then save, recording who and why.

    django-simple-history reads ``_history_user`` and ``_change_reason`` when it writes the
    history row, so services get attribution even outside a request (tasks, commands).
    """
    if validate:
        instance.full_clean()
    instance._history_user = acting_user(actor)  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    if update_fields is not None:
        # auto_now fields only change when they are part of update_fields.
        fields = set(update_fields)
        fields.update(
            f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)
        )
        instance.save(update_fields=sorted(fields))
    else:
        instance.save()


def changed_fields(instance: models.Model, values: dict[str, Any]) -> list[str]:
    """Apply ``values`` to ``instance`` and return the names of fields whose value changed."""
    changed: list[str] = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed
