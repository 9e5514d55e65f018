"""ApiSubmission moves from reviews to claims with its table (``db_table``) and rows as they are."""

import django.db.models.deletion
from django.conf import settings
from typing import Any

from django.db import migrations, models


MOVED = ('apisubmission',)


def _move_content_types(apps: Any, schema_editor: Any) -> None:
    """Re-label the moved models' content types, so their permissions (and the groups holding
    them), admin log entries and history keep pointing at the same rows."""
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="reviews", model__in=MOVED).update(app_label='claims')


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('reviews', '0009_publisher_models_to_publishing'),
        ('claims', '0008_drop_term_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already under their reviews_ names: only Django's state moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ApiSubmission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('idempotency_key', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_submissions', to='claims.claim')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_submissions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reviews_apisubmission',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['user', 'claim'], name='reviews_api_user_id_feb7e9_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('user', 'idempotency_key'), name='apisubmission_unique_key')],
                    },
                ),
            ],
        ),
        migrations.RunPython(_move_content_types, migrations.RunPython.noop),
    ]
