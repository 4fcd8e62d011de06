"""Table: the first page of a dataset's rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boards.kinds.base import WidgetCard
from boards.kinds.dataset import DatasetKind, DatasetWidgetForm, dataset_shown
from boards.models import Board, Widget
from boards.widgets.data import table_first_rows, table_page
from datasets.models import Dataset

if TYPE_CHECKING:
    from boards.kinds.base import GrantedWidget


class TableWidgetForm(DatasetWidgetForm):
    kind = Widget.Kind.TABLE
    heading = "Table"


class TableKind(DatasetKind):
    code = Widget.Kind.TABLE
    slug = "table"
    form_class = TableWidgetForm
    default_size = (12, 6)
    card_template = "boards/kinds/table.html#card"
    preview_template = "boards/kinds/table.html#preview"

    def card_with_data(
        self, widget: Widget, dataset: Dataset, first_rows: list[dict[str, Any]] | None = None
    ) -> WidgetCard:
        return WidgetCard(
            widget=widget, kind=self, table=table_page(dataset=dataset, first_rows=first_rows)
        )

    def read_cards(self, widgets: list[GrantedWidget], board: Board) -> list[WidgetCard]:
        # Only what the board will show: never rows of a dataset it may not read.
        shown = {widget.pk: dataset_shown(widget, board) for widget in widgets}
        # Every table's first page in one query, however many tables the board has.
        datasets = {dataset.pk: dataset for dataset in shown.values() if dataset is not None}
        first_rows = table_first_rows(datasets=list(datasets.values()))
        cards = []
        for widget in widgets:
            dataset = shown[widget.pk]
            if dataset is None:
                cards.append(self.card_without_data(widget, board))
            else:
                cards.append(self.card_with_data(widget, dataset, first_rows.get(dataset.pk)))
        return cards

    def preview_with_data(self, widget: Widget, dataset: Dataset) -> tuple[WidgetCard, str]:
        return self.card_with_data(widget, dataset), ""

    def untitled_heading(self, card: WidgetCard) -> str:
        dataset = card.widget.dataset
        # An unshared dataset's name is not shown: it may itself tell too much.
        if dataset is None or card.unavailable_reason:
            return ""
        return dataset.name


TABLE = TableKind()
