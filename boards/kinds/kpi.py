"""KPI: one figure from a dataset's column (sum, average, count or latest), and how far it moved
since the previous import."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from boards.kinds.base import WidgetCard, WidgetSettings
from boards.kinds.dataset import DatasetKind, DatasetWidgetForm
from boards.models import Board, Widget
from boards.widgets.data import kpi_figure
from datasets.models import Dataset, DatasetColumn

NUMBER_ONLY = {Widget.Aggregate.SUM, Widget.Aggregate.AVERAGE}
CHOOSE_AGGREGATE = "Choose sum, average, count or latest."


class KpiWidgetForm(DatasetWidgetForm):
    kind = Widget.Kind.KPI
    heading = "KPI"
    kpi_column = forms.ChoiceField(
        label="Column",
        error_messages={
            "required": "Choose the column to aggregate.",
            "invalid_choice": "Choose one of the dataset's columns.",
        },
    )
    kpi_aggregate = forms.ChoiceField(
        label="Aggregate",
        choices=Widget.Aggregate.choices,
        help_text="Sum and average need a number column.",
        error_messages={"required": CHOOSE_AGGREGATE},
    )
    # Not stripped: the space of " k" or " h" is part of how the figure reads.
    kpi_prefix = forms.CharField(
        label="Prefix",
        max_length=8,
        required=False,
        strip=False,
        help_text="Optional, shown before the value, up to 8 characters: a currency such as “$” "
        "or “€ ”.",
        error_messages={"max_length": "Keep it to 8 characters or fewer, such as “$”."},
    )
    kpi_suffix = forms.CharField(
        label="Suffix",
        max_length=8,
        required=False,
        strip=False,
        help_text="Optional, shown after the value, up to 8 characters: a unit such as “%”, “ k” "
        "or “ h” (start with a space to keep it apart from the number).",
        error_messages={"max_length": "Keep it to 8 characters or fewer, such as “ k”."},
    )
    kpi_decimals = forms.TypedChoiceField(
        label="Decimals",
        choices=[
            ("", "Automatic"),
            *[(str(places), str(places)) for places in range(5)],
        ],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="How many decimals the figure shows. Automatic: whole numbers stay whole, "
        "others get 2. A count is always whole.",
        error_messages={"invalid_choice": "Choose from 0 to 4 decimals, or Automatic."},
    )

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, board=board, **kwargs)
        cast(forms.ChoiceField, self.fields["kpi_column"]).choices = self._column_choices()

    def _column_choices(self) -> list:
        """Grouped by dataset, so one page lists every choice and works without JavaScript; the
        service checks the column belongs to the chosen dataset."""
        groups = [
            (
                dataset.name,
                [
                    (c.name, f"{c.name} ({c.get_kind_display().lower()})")
                    for c in dataset.columns.all()
                ],
            )
            for dataset in self.datasets
        ]
        return [("", "Choose a column…"), *groups]


def _check_kpi(dataset: Dataset, column_name: str, aggregate: str) -> None:
    if aggregate not in Widget.Aggregate.values:
        raise ValidationError({"kpi_aggregate": CHOOSE_AGGREGATE})
    column = DatasetColumn.objects.filter(dataset=dataset, name=column_name).first()
    if column is None:
        raise ValidationError({"kpi_column": f"{dataset.name} has no column named {column_name}."})
    if aggregate in NUMBER_ONLY and column.kind != DatasetColumn.Kind.NUMBER:
        label = Widget.Aggregate(aggregate).label
        raise ValidationError(
            {
                "kpi_column": f"{label} needs a number column, and {column.name} is a "
                f"{column.get_kind_display().lower()} column. Choose a number column, or count "
                "or latest."
            }
        )


def _check_kpi_affixes(widget: Widget) -> None:
    """The prefix and suffix are shown as plain text (escaped like every value); markup in them
    would only show as its characters, so it is refused rather than shown mangled."""
    errors = {}
    for field, name in (("kpi_prefix", "prefix"), ("kpi_suffix", "suffix")):
        value = getattr(widget, field)
        if any(character in value for character in "<>") or not value.isprintable():
            errors[field] = (
                f"The {name} is shown as plain text: use letters, signs or spaces, without "
                "< > or line breaks."
            )
    if errors:
        raise ValidationError(errors)


class KpiKind(DatasetKind):
    code = Widget.Kind.KPI
    slug = "kpi"
    form_class = KpiWidgetForm
    default_size = (3, 2)
    card_template = "boards/kinds/kpi.html#card"
    preview_template = "boards/kinds/kpi.html#preview"

    def keep(self, widget: Widget, settings: WidgetSettings) -> None:
        super().keep(widget, settings)
        widget.kpi_column = settings.kpi_column
        widget.kpi_aggregate = settings.kpi_aggregate
        # Kept as typed: the space of " k" is how the unit reads.
        widget.kpi_prefix = settings.kpi_prefix
        widget.kpi_suffix = settings.kpi_suffix
        widget.kpi_decimals = settings.kpi_decimals

    def clean(self, widget: Widget, board: Board) -> None:
        super().clean(widget, board)
        # The dataset check above refused a widget without a dataset.
        _check_kpi(cast(Dataset, widget.dataset), widget.kpi_column, widget.kpi_aggregate)
        _check_kpi_affixes(widget)

    def card_with_data(self, widget: Widget, dataset: Dataset) -> WidgetCard:
        return WidgetCard(widget=widget, kind=self, kpi=kpi_figure(widget=widget, dataset=dataset))

    def preview_with_data(self, widget: Widget, dataset: Dataset) -> tuple[WidgetCard, str]:
        columns = {column.name for column in dataset.columns.all()}
        if widget.kpi_column not in columns:
            hint = f"Choose one of the columns of {dataset.name}."
        elif not widget.kpi_aggregate:
            hint = CHOOSE_AGGREGATE
        else:
            return self.card_with_data(widget, dataset), ""
        return WidgetCard(widget=widget, kind=self), hint

    def untitled_heading(self, card: WidgetCard) -> str:
        return f"{card.widget.get_kpi_aggregate_display()} of {card.widget.kpi_column}"


KPI = KpiKind()
