from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        # The receiver that writes the change feed when a verdict changes, and the delivery
        # task, which the webhook services enqueue by name.
        from publishing import services, tasks  # noqa: F401
