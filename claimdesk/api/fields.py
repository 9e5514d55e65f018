"""Serializer fields stricter than DRF's: a string must be sent as a string, a language as a
BCP 47 tag."""

from __future__ import annotations

from typing import Any

import langcodes
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's ``CharField`` turns ``12345`` or ``true`` into text,
    which hides a client's bug and files a number as a claim."""

    default_error_messages = {"not_a_string": "Must be a string, not {kind}."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            kind = "null" if data is None else type(data).__name__
            self.fail("not_a_string", kind=kind)
        return str(super().to_internal_value(data))


class LanguageTagField(StrictCharField):
    """A BCP 47 language tag (``en``, ``pt-BR``, ``zh-Hant``), stored in its standard form."""

    default_error_messages = {
        "invalid_tag": "“{value}” is not a BCP 47 language tag (for example en, fr, pt-BR)."
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not langcodes.tag_is_valid(value):
            self.fail("invalid_tag", value=value[:40])
        return str(langcodes.standardize_tag(value))
