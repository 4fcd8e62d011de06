from django.core.validators import MaxValueValidator
from django.db import models

from datasets.models import Dataset
from workspace.models import Application


class Board(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=100)
    # Bumped whenever the board's widgets change, so open boards know to re-render.
    layout_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Widget(models.Model):
    class Kind(models.TextChoices):
        ACTION = "action", "Action"
        TEXT = "text", "Text"
        TABLE = "table", "Table"
        KPI = "kpi", "KPI"

    class Aggregate(models.TextChoices):
        SUM = "sum", "Sum"
        AVERAGE = "average", "Average"
        COUNT = "count", "Count"
        LATEST = "latest", "Latest"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="widgets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=100, blank=True)

    # Action: the connection may later be disabled, deleted or no longer granted; the widget then
    # shows as unavailable rather than breaking the board.
    connection = models.ForeignKey(
        "integrations.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="widgets",
    )
    button_label = models.CharField(max_length=60, blank=True)
    button_tooltip = models.CharField(max_length=200, blank=True)
    confirm_before_sending = models.BooleanField(default=False)
    confirmation_message = models.CharField(max_length=200, blank=True)
    # What viewers read once a click has ended (empty: the standard words for the outcome).
    success_message = models.CharField(max_length=200, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)

    # Text
    text = models.TextField(blank=True)

    # Table and KPI
    dataset = models.ForeignKey(
        Dataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="widgets"
    )
    kpi_column = models.CharField(max_length=100, blank=True)
    kpi_aggregate = models.CharField(max_length=10, choices=Aggregate.choices, blank=True)
    # How a KPI's figure reads: "$" before it, " k" or "%" after it, and a fixed number of
    # decimals (None: whole numbers stay whole, others get two — boards/widgets/formatting.py).
    kpi_prefix = models.CharField(max_length=8, blank=True)
    kpi_suffix = models.CharField(max_length=8, blank=True)
    kpi_decimals = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(4)]
    )

    # Place on the board's 12-column grid (boards/layout.py keeps boxes from overlapping);
    # `position` is the reading order, row by row, that narrow screens stack in.
    grid_x = models.PositiveSmallIntegerField(default=0)
    grid_y = models.PositiveSmallIntegerField(default=0)
    grid_w = models.PositiveSmallIntegerField(default=3)
    grid_h = models.PositiveSmallIntegerField(default=2)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} widget on {self.board}"
