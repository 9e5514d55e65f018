from django.apps import AppConfig


class FactchecksConfig(AppConfig):
    """Fact-checks published by other outlets: imported ClaimReview and its matching."""

    name = "factchecks"
    verbose_name = "Fact-checks from other outlets"

    def ready(self) -> None:
        # Registers the matching receiver (new and edited claims) and the tasks it enqueues.
        from factchecks import signals, tasks  # noqa: F401
