"""API routes of the reviews app (gathered into /api/v1/ by claimdesk.api.urls)."""

from rest_framework.viewsets import ViewSetMixin

from publishing.api.external_reviews import ExternalReviewViewSet
from publishing.api.views import ChangeViewSet, ClaimReviewViewSet, WebhookViewSet

routes: list[tuple[str, type[ViewSetMixin], str]] = [
    ("claim-reviews", ClaimReviewViewSet, "claimreview"),
    ("changes", ChangeViewSet, "change"),
    ("webhooks", WebhookViewSet, "webhook"),
    ("external-reviews", ExternalReviewViewSet, "externalreview"),
]
