"""The publisher models, moved from reviews with their tables (``db_table``) and rows as they are."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from typing import Any

from django.db import migrations, models


MOVED = ('apitoken', 'historicalapitoken', 'reviewchange', 'webhookendpoint', 'historicalwebhookendpoint', 'webhookdelivery', 'webhookattempt')


def _move_content_types(apps: Any, schema_editor: Any) -> None:
    """Re-label the moved models' content types, so their permissions (and the groups holding
    them), admin log entries and history keep pointing at the same rows."""
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="reviews", model__in=MOVED).update(app_label='publishing')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('reviews', '0009_publisher_models_to_publishing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already under their reviews_ names: only Django's state moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalApiToken',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name', models.CharField(help_text='What the token is for, e.g. the app.', max_length=100)),
                        ('prefix', models.CharField(editable=False, max_length=16)),
                        ('token_hash', models.CharField(db_index=True, editable=False, max_length=64)),
                        ('scopes', models.CharField(default='read', max_length=20)),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical API token',
                        'verbose_name_plural': 'historical API tokens',
                        'db_table': 'reviews_historicalapitoken',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalWebhookEndpoint',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('url', models.URLField(max_length=2000, verbose_name='URL')),
                        ('events', models.CharField(max_length=200)),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('disabled_at', models.DateTimeField(blank=True, null=True)),
                        ('disabled_reason', models.CharField(blank=True, max_length=200)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical webhook endpoint',
                        'verbose_name_plural': 'historical webhook endpoints',
                        'db_table': 'reviews_historicalwebhookendpoint',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ReviewChange',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('claimreview.published', 'Published'), ('claimreview.corrected', 'Corrected'), ('claimreview.retracted', 'Retracted')], max_length=30)),
                        ('version', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('verdict', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='reviews.verdict')),
                    ],
                    options={
                        'db_table': 'reviews_reviewchange',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('msg_id', models.CharField(max_length=40, unique=True)),
                        ('event', models.CharField(choices=[('claimreview.published', 'Published'), ('claimreview.corrected', 'Corrected'), ('claimreview.retracted', 'Retracted')], max_length=30)),
                        ('payload', models.JSONField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=10)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField()),
                        ('last_status_code', models.PositiveIntegerField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=500)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('change', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='publishing.reviewchange')),
                    ],
                    options={
                        'verbose_name_plural': 'webhook deliveries',
                        'db_table': 'reviews_webhookdelivery',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('attempted_at', models.DateTimeField(auto_now_add=True)),
                        ('status_code', models.PositiveIntegerField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=500)),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tries', to='publishing.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'reviews_webhookattempt',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=2000, verbose_name='URL')),
                        ('events', models.CharField(max_length=200)),
                        ('encrypted_secret', models.CharField(editable=False, max_length=300)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('disabled_at', models.DateTimeField(blank=True, null=True)),
                        ('disabled_reason', models.CharField(blank=True, max_length=200)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_endpoints', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reviews_webhookendpoint',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.AddField(
                    model_name='webhookdelivery',
                    name='endpoint',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='publishing.webhookendpoint'),
                ),
                migrations.CreateModel(
                    name='ApiToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text='What the token is for, e.g. the app.', max_length=100)),
                        ('prefix', models.CharField(editable=False, max_length=16)),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('scopes', models.CharField(default='read', max_length=20)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'API token',
                        'db_table': 'reviews_apitoken',
                        'ordering': ['-created_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('scopes__in', ('read', 'read,submit', 'submit'))), name='apitoken_scopes_valid'), models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='apitoken_name_not_empty'), models.CheckConstraint(condition=models.Q(('token_hash', ''), _negated=True), name='apitoken_hash_not_empty')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='reviewchange',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['claimreview.published', 'claimreview.corrected', 'claimreview.retracted'])), name='reviewchange_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='webhookendpoint',
                    constraint=models.CheckConstraint(condition=models.Q(('events', ''), _negated=True), name='webhookendpoint_has_events'),
                ),
                migrations.AddConstraint(
                    model_name='webhookendpoint',
                    constraint=models.CheckConstraint(condition=models.Q(('encrypted_secret__startswith', 'gAAAAA')), name='webhookendpoint_secret_encrypted'),
                ),
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(fields=['status', 'next_attempt_at'], name='reviews_web_status_067868_idx'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'delivered', 'failed'])), name='webhookdelivery_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.UniqueConstraint(fields=('endpoint', 'change'), name='webhookdelivery_one_per_change'),
                ),
            ],
        ),
        migrations.RunPython(_move_content_types, migrations.RunPython.noop),
    ]
