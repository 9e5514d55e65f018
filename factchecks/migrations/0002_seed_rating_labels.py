"""Seed the rating label table from the committed file (rows editors already have are kept)."""

import json
from pathlib import Path

from django.db import migrations

LABELS_FILE = Path(__file__).resolve().parent.parent / "rating_labels.json"


def seed(apps, schema_editor):
    RatingLabel = apps.get_model("factchecks", "RatingLabel")
    rows = json.loads(LABELS_FILE.read_text())["labels"]
    existing = set(RatingLabel.objects.values_list("publisher_site", "label"))
    RatingLabel.objects.bulk_create(
        [
            RatingLabel(publisher_site=row["site"], label=label, normalised=row["normalised"])
            for row in rows
            if (row["site"], label := " ".join(row["label"].lower().split())) not in existing
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("factchecks", "0001_external_reviews")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
