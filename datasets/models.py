import uuid

from django.conf import settings
from django.db import models

from workspace.models import Application, Workspace


class ApiKey(models.Model):
    """A workspace API key for the import and export API. The secret is shown once; only its
    SHA-256 is stored.

    `expires_on` is the date the key stops working: it is valid until the end of the day before.
    """

    class KeyType(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    key_type = models.CharField(max_length=10, choices=KeyType.choices)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had while keys lived in integrations (moved by
        # datasets/migrations/0006): renaming it would buy nothing and the keys in use stay put.
        db_table = "integrations_apikey"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_key_type_display()})"


class Dataset(models.Model):
    """A workspace table with typed columns, filled through the import API.

    `version` goes up whenever what boards show of it changes (a successful import, a change of
    application access); boards use it to tell whether to re-render. `column_stats` holds what
    KPI widgets show, kept up to date by the importer (see datasets.stats).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=100)
    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    column_stats = models.JSONField(default=dict, blank=True)
    # Like a connection's: only boards of these applications may show the dataset.
    applications = models.ManyToManyField(Application, blank=True, related_name="datasets")
    # Which rows are the dataset's: those of generation `row_generation` at positions below
    # `row_end`. An import writes its rows first (in short transactions, invisible to readers),
    # then moves these two in one short step: a replace starts a new generation, an append moves
    # `row_end` past its rows. Rows outside them are an unfinished import's (datasets.importer).
    row_generation = models.PositiveBigIntegerField(default=0)
    row_end = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_dataset_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def row_count(self) -> int:
        """From the statistics, so listing datasets does not count millions of rows."""
        return (self.column_stats or {}).get("rows", 0)


class DatasetColumn(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name"], name="unique_dataset_column")
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.name}"


class DatasetRow(models.Model):
    """One row; `values` maps column name to a JSON value (numbers as numbers, dates ISO)."""

    # No index of its own: dataset_row_visible_idx starts with it, and every row an import
    # writes would update both.
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    generation = models.PositiveBigIntegerField(default=0)
    position = models.PositiveBigIntegerField()
    values = models.JSONField()

    class Meta:
        ordering = ["position"]
        indexes = [
            models.Index(
                fields=["dataset", "generation", "position"], name="dataset_row_visible_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset} row {self.position}"


class ImportConfiguration(models.Model):
    class Mode(models.TextChoices):
        REPLACE = "replace", "Replace all rows"
        APPEND = "append", "Append"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="import_configurations"
    )
    name = models.CharField(max_length=100)
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="import_configurations"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.REPLACE)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One pushed CSV and what became of it. Runs on a worker (datasets.import_runner) from the
    file stored under `upload_name`, one job per dataset at a time, in arrival order."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="import_jobs")
    configuration = models.ForeignKey(
        ImportConfiguration, on_delete=models.CASCADE, related_name="jobs"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_received = models.PositiveBigIntegerField(default=0)
    rows_imported = models.PositiveBigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The uploaded CSV in the default storage, until the import ends (datasets.import_storage).
    upload_name = models.CharField(max_length=255, blank=True, default="")
    # Touched while the import runs: a running job whose heartbeat stopped lost its worker, and
    # the sweep runs it again (IMPORT_STALLED_AFTER).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker started it; past the limit a job that keeps dying is failed.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Where the dataset's rows ended after this import succeeded: `?since=<this import>` on the
    # export API reads the rows appended after it (positions from `row_end` in that generation).
    row_generation = models.PositiveBigIntegerField(null=True, blank=True)
    row_end = models.PositiveBigIntegerField(null=True, blank=True)
    # The click whose call this import answers, when the pipeline echoed its delivery id back.
    delivery = models.ForeignKey(
        "integrations.Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="import_job_status_idx")]

    def __str__(self) -> str:
        return f"Import {self.id} ({self.status})"
