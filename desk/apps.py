from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The staff web pages: sign-in, the review queue, claim pages, approvals, corrections."""

    name = "desk"
    verbose_name = "Desk"
