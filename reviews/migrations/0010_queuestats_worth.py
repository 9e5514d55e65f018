# The queue sorts by the check-worthiness band of a claim's best ingested appearance.

from django.db import migrations, models


# Fill the new columns for claims that exist already; plain SQL that PostgreSQL and SQLite
# both run. The cut points (0.75 and 0.5) are reviews.queue_stats.WORTH_HIGH and WORTH_LOW.
BACKFILL = """
UPDATE reviews_queuestats SET checkworthiness = (
  SELECT MAX(a.checkworthiness) FROM claims_appearance a
  WHERE a.claim_id = reviews_queuestats.claim_id
);
UPDATE reviews_queuestats SET worth = CASE
  WHEN checkworthiness IS NULL THEN 1
  WHEN checkworthiness >= 0.75 THEN 2
  WHEN checkworthiness < 0.5 THEN 0
  ELSE 1 END;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0010_appearance_checkworthiness_and_more"),
        ("reviews", "0009_publisher_models_to_publishing"),
    ]

    operations = [
        migrations.AddField(
            model_name="queuestats",
            name="checkworthiness",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="queuestats",
            name="worth",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "Low"), (1, "Middling or not scored"), (2, "High")], default=1
            ),
        ),
        migrations.RemoveIndex(model_name="queuestats", name="queuestats_rank"),
        migrations.AddIndex(
            model_name="queuestats",
            index=models.Index(
                models.F("priority"),
                models.OrderBy(models.F("worth"), descending=True),
                models.OrderBy(models.F("open_flags"), descending=True),
                models.OrderBy(models.F("appearances"), descending=True),
                models.F("created_at"),
                models.F("claim"),
                name="queuestats_rank",
            ),
        ),
        migrations.AddConstraint(
            model_name="queuestats",
            constraint=models.CheckConstraint(
                condition=models.Q(("worth__in", [0, 1, 2])), name="queuestats_worth_valid"
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
