"""JSON-LD output, chosen with ``Accept: application/ld+json`` or ``?format=jsonld``."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer


class JSONLDRenderer(JSONRenderer):
    """Plain JSON on the wire; views that offer it switch to a JSON-LD serializer when the
    request negotiated this renderer (see ``ScopedViewSet.wants_jsonld``)."""

    media_type = "application/ld+json"
    format = "jsonld"
