"""Dataset rows lose the index of their dataset column alone: dataset_row_visible_idx starts
with that column, and each row an import writes would update both.

Only the index is dropped. Django's own AlterField would also drop and add the foreign key
again on PostgreSQL (checking every row under a lock) and copy the whole table on SQLite.
"""

import django.db.models.deletion
from django.db import migrations, models


def _single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, details in constraints.items()
        if details["columns"] == [column]
        and details["index"]
        and not (details["primary_key"] or details["unique"] or details["foreign_key"])
    ]


def drop_dataset_index(apps, schema_editor):
    row = apps.get_model("datasets", "DatasetRow")
    table = row._meta.db_table
    for name in _single_column_indexes(schema_editor, table, "dataset_id"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def add_dataset_index(apps, schema_editor):
    row = apps.get_model("datasets", "DatasetRow")
    field = row._meta.get_field("dataset")
    for sql in schema_editor._field_indexes_sql(row, field) or []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("datasets", "0006_apikey_from_integrations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="datasetrow",
                    name="dataset",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="datasets.dataset",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_dataset_index, add_dataset_index)],
        ),
    ]
