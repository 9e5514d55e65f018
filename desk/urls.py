"""The review queue, mounted at /queue/ (namespace ``queue``)."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from desk import ingest_views, views

app_name = "queue"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="queue:login"), name="logout"),
    path("", views.queue_index, name="index"),
    path("take-next/", views.take_next, name="take_next"),
    path("preview/", views.preview, name="preview"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/verdict/", views.verdict_save, name="verdict_save"),
    path("claims/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("claims/<int:pk>/reuse/<int:verdict_pk>/", views.verdict_reuse, name="verdict_reuse"),
    path("approvals/", views.approvals, name="approvals"),
    path("verdicts/<int:pk>/approve/", views.verdict_approve, name="verdict_approve"),
    path("verdicts/<int:pk>/return/", views.verdict_return, name="verdict_return"),
    path("verdicts/<int:pk>/publish/", views.verdict_publish, name="verdict_publish"),
    path("verdicts/<int:pk>/correct/", views.verdict_correct, name="verdict_correct"),
    path("verdicts/<int:pk>/retract/", views.verdict_retract, name="verdict_retract"),
    path("sources/new/", ingest_views.source_new, name="source_new"),
    path("sources/<int:pk>/", ingest_views.source_page, name="source"),
    path("sources/<int:pk>/accept/", ingest_views.candidates_accept, name="candidates_accept"),
    path("candidates/<int:pk>/decide/", ingest_views.candidate_decide, name="candidate_decide"),
]
