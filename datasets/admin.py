from django.contrib import admin

from datasets.models import Dataset, DatasetColumn, DatasetRow, ImportConfiguration, ImportJob
from datasets.services import dataset_rows_changed


class DatasetColumnInline(admin.TabularInline):
    model = DatasetColumn
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "version", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["name"]
    readonly_fields = ["version", "updated_at", "column_stats"]
    filter_horizontal = ["applications"]
    inlines = [DatasetColumnInline]


@admin.register(DatasetColumn)
class DatasetColumnAdmin(admin.ModelAdmin):
    list_display = ["name", "dataset", "kind", "position"]
    list_filter = ["kind", "dataset__workspace"]


@admin.register(DatasetRow)
class DatasetRowAdmin(admin.ModelAdmin):
    list_display = ["dataset", "position", "values"]
    list_filter = ["dataset"]
    # Datasets can hold 100,000 rows: no dropdown of every dataset's rows on the change page.
    raw_id_fields = ["dataset"]
    show_full_result_count = False
    # Which import wrote the row: the importer's bookkeeping, not something to edit.
    readonly_fields = ["generation"]

    # A row changed here did not pass through the importer: recompute what KPIs show.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        dataset_rows_changed(dataset=obj.dataset)

    def delete_model(self, request, obj) -> None:
        dataset = obj.dataset
        super().delete_model(request, obj)
        dataset_rows_changed(dataset=dataset)

    def delete_queryset(self, request, queryset) -> None:
        datasets = list(Dataset.objects.filter(rows__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for dataset in datasets:
            dataset_rows_changed(dataset=dataset)


@admin.register(ImportConfiguration)
class ImportConfigurationAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "dataset", "mode", "workspace"]
    list_filter = ["workspace", "mode"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "configuration", "status", "rows_received", "rows_imported", "created_at"]
    list_filter = ["status", "workspace"]
    # What the workers keep track of a run with: never edited by hand.
    readonly_fields = [
        "id",
        "created_at",
        "started_at",
        "finished_at",
        "upload_name",
        "heartbeat_at",
        "attempts",
        "row_generation",
        "row_end",
    ]
    raw_id_fields = ["delivery"]
