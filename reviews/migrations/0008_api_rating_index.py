"""An index for the claim-review list filtered by rating, in the list's order.

With only ``(state, published_at DESC, id DESC)``, ``?rating=false`` walked published verdicts
of every rating to fill a page (five rows read per row shown on a desk with five ratings, more
with a tag filter on top); with the rating in the index the walk reads that rating's rows only.
Plain SQL like 0006: it serves an API ordering and leaves the models' state unchanged.
"""

from django.db import migrations

NAME = "reviews_verdict_api_rating"


class Migration(migrations.Migration):
    dependencies = [("reviews", "0007_webhook_secret_encrypted")]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX IF NOT EXISTS {NAME} "
                "ON reviews_verdict (state, rating, published_at DESC, id DESC)"
            ),
            reverse_sql=f"DROP INDEX IF EXISTS {NAME}",
        )
    ]
