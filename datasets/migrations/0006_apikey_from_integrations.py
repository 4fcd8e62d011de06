"""API keys move from integrations to datasets, the inbound side that uses them.

Only Django's idea of the model moves: the table (integrations_apikey), its rows and the import
jobs' foreign key to it stay as they are, so every key in use keeps working. The model keeps
the table through `db_table`; integrations/migrations/0006 drops the model from integrations.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0005_dataset_row_generations_import_delivery"),
        ("integrations", "0005_delivery_last_run_indexes"),
        ("workspace", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        (
                            "key_type",
                            models.CharField(
                                choices=[("import", "Import"), ("export", "Export")],
                                max_length=10,
                            ),
                        ),
                        ("prefix", models.CharField(db_index=True, max_length=16)),
                        ("key_hash", models.CharField(max_length=64, unique=True)),
                        ("expires_on", models.DateField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "workspace",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_keys",
                                to="workspace.workspace",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "integrations_apikey",
                        "ordering": ["name"],
                    },
                ),
                migrations.AlterField(
                    model_name="importjob",
                    name="api_key",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="datasets.apikey",
                    ),
                ),
            ],
            # The table and the foreign key's constraint already are what the new state says.
            database_operations=[],
        ),
    ]
