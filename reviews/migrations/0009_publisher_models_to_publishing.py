"""Publisher models leave the reviews app's state (issue 16); their tables stay, untouched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0008_api_rating_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already under their reviews_ names: only Django's state moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='apitoken',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='apitoken',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='historicalapitoken',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='historicalapitoken',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalapitoken',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='historicalwebhookendpoint',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalwebhookendpoint',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='reviewchange',
                    name='verdict',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='change',
                ),
                migrations.RemoveField(
                    model_name='webhookattempt',
                    name='delivery',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='endpoint',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='ApiSubmission',
                ),
                migrations.DeleteModel(
                    name='ApiToken',
                ),
                migrations.DeleteModel(
                    name='HistoricalApiToken',
                ),
                migrations.DeleteModel(
                    name='HistoricalWebhookEndpoint',
                ),
                migrations.DeleteModel(
                    name='ReviewChange',
                ),
                migrations.DeleteModel(
                    name='WebhookAttempt',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
                migrations.DeleteModel(
                    name='WebhookEndpoint',
                ),
            ],
        ),
    ]
