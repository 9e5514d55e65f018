"""Webhook signing secrets are stored encrypted (Fernet) instead of in clear.

The column is widened, every existing secret encrypted in place with the keys configured when
the migration runs (WEBHOOK_SECRET_KEYS, else the key derived from SECRET_KEY), then renamed so
that no code can mistake ciphertext for a secret. Reversible: going back decrypts.
"""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from publishing.webhook_secrets import encrypt_secret

    endpoint_model = apps.get_model("reviews", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.only("pk", "secret").iterator():
        if endpoint.secret.startswith("whsec_"):
            endpoint.secret = encrypt_secret(endpoint.secret)
            endpoint.save(update_fields=["secret"])


def decrypt_existing(apps, schema_editor):
    from publishing.webhook_secrets import decrypt_secret

    endpoint_model = apps.get_model("reviews", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.only("pk", "secret").iterator():
        if not endpoint.secret.startswith("whsec_"):
            endpoint.secret = decrypt_secret(endpoint.secret)
            endpoint.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_api_list_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="webhookendpoint",
            name="webhookendpoint_secret_format",
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(editable=False, max_length=300),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
        migrations.RenameField(
            model_name="webhookendpoint",
            old_name="secret",
            new_name="encrypted_secret",
        ),
        migrations.AddConstraint(
            model_name="webhookendpoint",
            constraint=models.CheckConstraint(
                condition=models.Q(("encrypted_secret__startswith", "gAAAAA")),
                name="webhookendpoint_secret_encrypted",
            ),
        ),
    ]
