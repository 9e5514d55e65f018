"""Writes to sources. Every create/update validates, checks permission and records history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from claimdesk.audit import changed_fields, save_audited
from claimdesk.permissions import Action, Actor, check
from sources.models import Source, SourceKind
from sources.normalize import content_hash, normalize_url


def _clean_url(url: str, *, exclude_pk: int | None = None) -> str:
    """Normalise and refuse a URL another source has (as a field error the forms can show)."""
    try:
        normalized = normalize_url(url)
    except ValueError as exc:
        raise ValidationError({"url": str(exc)}) from None
    if normalized:
        others = Source.objects.filter(url=normalized)
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        clash = others.first()
        if clash is not None:
            raise ValidationError({"url": f"This URL is already the source “{clash.title}”."})
    return normalized


@transaction.atomic
def source_create(
    *,
    actor: Actor,
    title: str,
    url: str = "",
    outlet: str = "",
    author: str = "",
    published_on: dt.date | None = None,
    kind: str = SourceKind.ARTICLE,
    language: str = "en",
    body: str = "",
    external_id: str = "",
) -> Source:
    check(actor, Action.SOURCE_CREATE)
    source = Source(
        url=_clean_url(url),
        title=title.strip(),
        outlet=outlet.strip(),
        author=author.strip(),
        published_on=published_on,
        kind=kind,
        language=language,
        body=body,
        content_hash=content_hash(body),
        external_id=external_id,
    )
    save_audited(source, actor=actor, reason="Source created")
    return source


@transaction.atomic
def source_update(*, actor: Actor, source: Source, **fields: Any) -> list[str]:
    """Change the given fields; returns the names that changed (nothing saved when none did)."""
    check(actor, Action.SOURCE_UPDATE, source)
    allowed = {"url", "title", "outlet", "author", "published_on", "kind", "language", "body"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"source_update() cannot change {sorted(unknown)}")
    if "url" in fields:
        fields["url"] = _clean_url(fields["url"], exclude_pk=source.pk)
    if "body" in fields:
        fields["content_hash"] = content_hash(fields["body"])
    changed = changed_fields(source, fields)
    if changed:
        save_audited(
            source, actor=actor, reason=f"Changed {', '.join(changed)}", update_fields=changed
        )
    return changed


def source_get_or_create(
    *, actor: Actor, url: str, title: str, **fields: Any
) -> tuple[Source, bool]:
    """The source at ``url`` (normalised), created with ``title`` and ``fields`` if new."""
    try:
        normalized = normalize_url(url)
    except ValueError as exc:
        raise ValidationError({"url": str(exc)}) from None
    existing = Source.objects.filter(url=normalized).first() if normalized else None
    if existing is not None:
        return existing, False
    return source_create(actor=actor, url=normalized, title=title, **fields), True
