"""Fill in column statistics for datasets imported before they were kept.

Application access is deliberately not backfilled from the widgets already on boards: such a
placement may be the very exposure access rules now prevent, so a Workspace Admin grants it.
"""

from django.db import migrations

from datasets.stats import stats_from_rows


def backfill(apps, schema_editor):
    Dataset = apps.get_model("datasets", "Dataset")
    DatasetRow = apps.get_model("datasets", "DatasetRow")
    # A list, not an iterator: SQLite does not isolate a cursor from writes to its own table.
    for dataset in list(Dataset.objects.all()):
        columns = [
            (column.name, column.kind) for column in dataset.columns.order_by("position", "id")
        ]
        rows = (
            DatasetRow.objects.filter(dataset=dataset)
            .order_by("position")
            .values_list("values", flat=True)
            .iterator(chunk_size=2000)
        )
        dataset.column_stats = stats_from_rows(columns, rows)
        dataset.save(update_fields=["column_stats"])


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0002_dataset_column_stats_and_application_access"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
