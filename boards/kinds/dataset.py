"""What the kinds that show a dataset (Table, KPI) share: the dataset choice, its checks, and
the card of a widget whose dataset the board may not show."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from boards.forms import WidgetForm
from boards.kinds.base import WidgetCard, WidgetKind, WidgetSettings
from boards.models import Board, Widget
from datasets.models import Dataset

if TYPE_CHECKING:
    from boards.kinds.base import GrantedWidget

DATA_NOT_SHARED = "This data is not shared with this application."


def datasets_for_board(*, board: Board) -> QuerySet[Dataset]:
    """What a Table or KPI widget on this board may show: datasets shared with its application."""
    return (
        Dataset.objects.filter(
            workspace_id=board.application.workspace_id, applications=board.application_id
        )
        .prefetch_related("columns")
        .order_by("name")
    )


class DatasetWidgetForm(WidgetForm):
    dataset: forms.ModelChoiceField[Dataset] = forms.ModelChoiceField(
        label="Dataset",
        queryset=None,
        empty_label="Choose a dataset…",
        help_text="Only datasets shared with this board's application are listed.",
        error_messages={
            "required": "Choose the dataset to show.",
            # Another workspace's dataset, or one not shared with this application: the same
            # answer, so the form does not confirm which datasets exist elsewhere.
            "invalid_choice": "That dataset is not shared with this application. "
            "Choose one listed.",
        },
    )

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, board=board, **kwargs)
        self.datasets = list(datasets_for_board(board=board))
        dataset = cast("forms.ModelChoiceField[Dataset]", self.fields["dataset"])
        dataset.queryset = datasets_for_board(board=board)
        if not self.datasets:
            self.fields["dataset"].help_text = (
                "No dataset is shared with this application yet: a Workspace Admin shares "
                "them under Integrations → Datasets."
            )


def _check_dataset(board: Board, dataset: Dataset | None) -> None:
    if dataset is None or dataset.workspace_id != board.application.workspace_id:
        raise ValidationError({"dataset": "Choose one of this workspace's datasets."})
    if not dataset.applications.filter(pk=board.application_id).exists():
        raise ValidationError(
            {"dataset": "That dataset is not shared with this application. Choose one listed."}
        )


def dataset_shown(widget: GrantedWidget, board: Board) -> Dataset | None:
    """The widget's dataset if the board may show it: still there, of the board's workspace,
    and still shared with its application (access may be withdrawn after the widget was added)."""
    dataset = widget.dataset
    if dataset is None or dataset.workspace_id != board.application.workspace_id:
        return None
    return dataset if widget.dataset_granted else None


class DatasetKind(WidgetKind):
    shows_dataset = True

    def keep(self, widget: Widget, settings: WidgetSettings) -> None:
        widget.dataset = settings.dataset

    def clean(self, widget: Widget, board: Board) -> None:
        _check_dataset(board, widget.dataset)

    def read_card(self, widget: GrantedWidget, board: Board) -> WidgetCard:
        dataset = dataset_shown(widget, board)
        if dataset is None:
            return self.card_without_data(widget, board)
        return self.card_with_data(widget, dataset)

    def card_without_data(self, widget: GrantedWidget, board: Board) -> WidgetCard:
        """A removed dataset draws the kind's own words; one no longer shared says why."""
        dataset = widget.dataset
        if dataset is None or dataset.workspace_id != board.application.workspace_id:
            return WidgetCard(widget=widget, kind=self)
        return WidgetCard(widget=widget, kind=self, unavailable_reason=DATA_NOT_SHARED)

    @abstractmethod
    def card_with_data(self, widget: Widget, dataset: Dataset) -> WidgetCard:
        """The card of a widget whose dataset the board may show."""

    def preview(self, widget: Widget) -> tuple[WidgetCard, str]:
        if widget.dataset is None:
            return WidgetCard(widget=widget, kind=self), "Choose a dataset to see its data."
        return self.preview_with_data(widget, widget.dataset)

    @abstractmethod
    def preview_with_data(self, widget: Widget, dataset: Dataset) -> tuple[WidgetCard, str]:
        """The preview once the form has a dataset (one the form listed, so it may be shown)."""
