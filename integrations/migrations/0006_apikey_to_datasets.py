"""API keys now belong to datasets (datasets/migrations/0006): integrations forgets the model,
and leaves its table, which datasets.ApiKey keeps using, where it is.

The content type follows the model, so the admin's permissions and history for keys stay
attached to them.
"""

from django.db import migrations


def content_type_to(app_label_from: str, app_label_to: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        # A fresh database has none yet (they are made after migrating); a database where the
        # new one was already made keeps it.
        if ContentType.objects.filter(app_label=app_label_to, model="apikey").exists():
            return
        ContentType.objects.filter(app_label=app_label_from, model="apikey").update(
            app_label=app_label_to
        )

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_delivery_last_run_indexes"),
        ("datasets", "0006_apikey_from_integrations"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiKey")],
            database_operations=[],
        ),
        migrations.RunPython(
            content_type_to("integrations", "datasets"),
            content_type_to("datasets", "integrations"),
        ),
    ]
