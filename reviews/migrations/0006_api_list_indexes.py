"""Indexes that let the publisher API read a page of a large list without sorting it all.

Plain SQL rather than ``Meta.indexes``: they serve the API's orderings only, and keeping them
out of the models keeps the models' state unchanged (no model file is touched).
"""

from django.db import migrations

INDEXES = [
    # Claim reviews: published verdicts, newest first (ClaimReviewViewSet's order).
    ("reviews_verdict_api_published", "reviews_verdict (state, published_at DESC, id DESC)"),
    # Sources: most recently changed first (SourceViewSet's order).
    ("sources_source_api_updated", "sources_source (updated_at DESC, id DESC)"),
    # Claims: newest first (ClaimViewSet's order), ties broken by id.
    ("claims_claim_api_created", "claims_claim (created_at DESC, id DESC)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_analysis_and_flags"),
        ("reviews", "0005_publisher_api"),
        ("sources", "0002_source_url_message"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
