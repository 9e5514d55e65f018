from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # Connects the receivers that keep the queue's sort keys current.
        from reviews import queue_stats  # noqa: F401
