from django import forms
from django.contrib import admin

from datasets.api_key_services import KEY_SCHEME
from datasets.models import (
    ApiKey,
    Dataset,
    DatasetColumn,
    DatasetRow,
    ImportConfiguration,
    ImportJob,
)
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

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and (form.changed_data or any(f.has_changed() for f in formsets)):
            # A name or a column changed here shows on every board drawing the dataset: a new
            # version moves their stamps, so open boards and kept grids are drawn again.
            dataset_rows_changed(dataset=form.instance)


@admin.register(DatasetColumn)
class DatasetColumnAdmin(admin.ModelAdmin):
    list_display = ["name", "dataset", "kind", "position"]
    list_filter = ["kind", "dataset__workspace"]


class DatasetRowForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean() or {}
        dataset = cleaned.get("dataset")
        unfinished = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
        # The next import deletes rows past the dataset's end before writing its own there, so
        # a row added meanwhile would be lost (datasets.services.dataset_stats_recompute).
        if (
            self.instance.pk is None
            and dataset is not None
            and ImportJob.objects.filter(
                configuration__dataset=dataset, status__in=unfinished
            ).exists()
        ):
            raise forms.ValidationError(
                "An import into this dataset is queued or running; add the row once it has ended."
            )
        return cleaned


@admin.register(DatasetRow)
class DatasetRowAdmin(admin.ModelAdmin):
    form = DatasetRowForm
    list_display = ["dataset", "position", "values"]
    list_filter = ["dataset"]
    # Datasets can hold 100,000 rows: no dropdown of every dataset's rows on the change page.
    raw_id_fields = ["dataset"]
    show_full_result_count = False
    # Which import wrote the row: the importer's bookkeeping, not something to edit.
    readonly_fields = ["generation"]

    # A row changed here did not pass through the importer: take it in and recompute what KPIs
    # show. A new row joins the rows boards show (the dataset's current generation).
    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.generation = Dataset.objects.get(pk=obj.dataset_id).row_generation
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


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made in the product (the secret is shown once there); the admin may look and
    delete."""

    list_display = ["name", "key_type", "masked_key", "workspace", "expires_on", "last_used_at"]
    list_filter = ["key_type", "workspace"]
    search_fields = ["name", "prefix"]
    # The hash is not the key, but there is no reason to show it either.
    fields = [
        "name",
        "workspace",
        "key_type",
        "masked_key",
        "expires_on",
        "created_by",
        "created_at",
        "last_used_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain names here, no groups

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Key")
    def masked_key(self, obj: ApiKey) -> str:
        return f"{KEY_SCHEME}_{obj.prefix}_…"
