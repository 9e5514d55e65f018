"""Claimdesk: claim tracking and fact-checking workbench."""

from claimdesk.celery import app as celery_app

__all__ = ["celery_app"]
