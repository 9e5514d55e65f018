"""Shared pieces of the publisher REST API: authentication, access rules, the scoped base
viewset, renderers, throttles and the URL configuration that gathers every app's routes.

Each app keeps its own serializers and views in ``<app>/api/``.
"""
