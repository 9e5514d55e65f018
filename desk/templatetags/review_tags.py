"""Template helpers for the review queue."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from claimdesk.permissions import is_editor
from desk.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render a Markdown explanation as sanitised HTML."""
    return render_markdown(text)


@register.filter(name="is_editor")
def is_editor_filter(user: Any) -> bool:
    """Whether the user is an editor (roles are cached on the user for the request)."""
    return is_editor(user)
