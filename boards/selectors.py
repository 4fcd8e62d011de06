"""Permission-scoped reads for boards. A board the user may not open is a 404, never a 403."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from boards.models import Board, Widget
from boards.stamps import board_change_stamp
from boards.widgets.actions import (
    action_label,
    action_result_words,
    action_unavailable_reason,
    confirmation_text,
)
from boards.widgets.data import (
    KpiFigure,
    TablePage,
    kpi_figure,
    table_first_rows,
    table_page,
)
from datasets.models import Dataset
from integrations.services import (
    Connection,
    DeliveryStatus,
    LastRun,
    connection_shared_with,
    connections_usable_by,
    delivery_status_for_user,
    widget_last_runs,
)
from workspace.models import Application
from workspace.selectors import (
    AnyUser,
    applications_configurable_by,
    applications_openable_by,
    can_configure_application,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Grants(TypedDict):  # what _widgets annotates each widget with
        connection_granted: bool
        dataset_granted: bool


DATA_KINDS = (Widget.Kind.TABLE, Widget.Kind.KPI)
DATA_NOT_SHARED = "This data is not shared with this application."
# Never decrypted just to draw a board: not needed, and a key problem must not break the page.
CONNECTION_SECRETS = ("connection__url", "connection__headers", "connection__body")


def board_get_for_viewer(*, user: AnyUser, board_id: int) -> Board:
    """A board the user may open (Workspace Admin, or any role on its application), else 404."""
    return get_object_or_404(
        Board.objects.select_related("application__workspace"),
        pk=board_id,
        application__in=applications_openable_by(user=user),
    )


def board_get_for_editor(*, user: AnyUser, board_id: int) -> Board:
    """A board whose widgets the user may change (Workspace Admin or configure role), else 404."""
    return get_object_or_404(
        Board.objects.select_related("application__workspace"),
        pk=board_id,
        application__in=applications_configurable_by(user=user),
    )


def application_get_for_configurer(*, user: AnyUser, application_id: int) -> Application:
    """An application whose boards the user may create and change, else 404."""
    return get_object_or_404(applications_configurable_by(user=user), pk=application_id)


def board_can_edit(*, user: AnyUser, board: Board) -> bool:
    return can_configure_application(user=user, application=board.application)


@dataclass(frozen=True)
class WidgetCard:
    """One widget plus what it shows right now."""

    widget: Widget
    unavailable_reason: str = ""
    table: TablePage | None = None
    kpi: KpiFigure | None = None
    last_run: LastRun | None = None  # Action widgets drawn with their board

    @property
    def label(self) -> str:
        return action_label(self.widget)

    @property
    def confirmation(self) -> str:
        return confirmation_text(self.widget)

    @property
    def heading(self) -> str:
        """The widget's title, or a sensible one for data widgets without a title."""
        widget = self.widget
        if widget.title:
            return widget.title
        # An unshared dataset's name is not shown: it may itself tell too much.
        if widget.kind == Widget.Kind.TABLE and widget.dataset is not None:
            return "" if self.unavailable_reason else widget.dataset.name
        if widget.kind == Widget.Kind.KPI:
            return f"{widget.get_kpi_aggregate_display()} of {widget.kpi_column}"
        return ""

    @property
    def name(self) -> str:
        """How Edit mode's controls name this widget to screen readers ("Move up Refresh")."""
        if self.widget.kind == Widget.Kind.ACTION and not self.widget.title:
            return self.label
        return self.heading or f"{self.widget.get_kind_display()} widget"


def _widgets(board: Board) -> QuerySet[WithAnnotations[Widget, _Grants]]:
    granted = connection_shared_with(
        application_id=board.application_id, connection_ref=OuterRef("connection_id")
    )
    dataset_granted = Dataset.applications.through.objects.filter(
        dataset_id=OuterRef("dataset_id"), application_id=board.application_id
    )
    return (
        Widget.objects.filter(board=board)
        .select_related("connection", "dataset")
        .defer(*CONNECTION_SECRETS)
        .prefetch_related("dataset__columns")
        .annotate(connection_granted=granted, dataset_granted=Exists(dataset_granted))
    )


def _card(
    widget: WithAnnotations[Widget, _Grants],
    board: Board,
    first_rows: dict[int, list[dict[str, Any]]] | None = None,
) -> WidgetCard:
    widget.board = board  # already loaded; saves a query per widget in templates
    if widget.kind == Widget.Kind.ACTION:
        reason = action_unavailable_reason(
            widget=widget, board=board, granted=widget.connection_granted
        )
        return WidgetCard(widget=widget, unavailable_reason=reason)
    dataset = widget.dataset
    if dataset is None or dataset.workspace_id != board.application.workspace_id:
        return WidgetCard(widget=widget)
    # Access may be withdrawn after the widget was added: the board then shows why, not the data.
    if not widget.dataset_granted:
        return WidgetCard(widget=widget, unavailable_reason=DATA_NOT_SHARED)
    if widget.kind == Widget.Kind.TABLE:
        rows = (first_rows or {}).get(dataset.pk)
        return WidgetCard(widget=widget, table=table_page(dataset=dataset, first_rows=rows))
    if widget.kind == Widget.Kind.KPI:
        return WidgetCard(widget=widget, kpi=kpi_figure(widget=widget, dataset=dataset))
    return WidgetCard(widget=widget)


def board_cards(
    *, board: Board, data_only: bool = False, actions_only: bool = False
) -> list[WidgetCard]:
    """Every widget of the board with what it shows (only the data widgets, or only the Action
    widgets, for what an open board redraws), in a fixed number of queries."""
    widgets = _widgets(board)
    if data_only:
        widgets = widgets.filter(kind__in=DATA_KINDS)
    if actions_only:
        widgets = widgets.filter(kind=Widget.Kind.ACTION)
    widgets = list(widgets)
    # Every table's first page in one query, however many tables the board has.
    tables = {
        widget.dataset.pk: widget.dataset
        for widget in widgets
        if widget.kind == Widget.Kind.TABLE
        and widget.dataset is not None
        # Only what the board will show: never rows of a dataset it may not read.
        and widget.dataset.workspace_id == board.application.workspace_id
        and widget.dataset_granted
    }
    first_rows = table_first_rows(datasets=list(tables.values()))
    cards = [_card(widget, board, first_rows) for widget in widgets]
    # Every Action widget's last run in one query.
    actions = [card.widget.pk for card in cards if card.widget.kind == Widget.Kind.ACTION]
    last_runs = widget_last_runs(widget_ids=actions)
    return [
        replace(card, last_run=last_runs.get(card.widget.pk))
        if card.widget.kind == Widget.Kind.ACTION
        else card
        for card in cards
    ]


def widget_card_get(*, board: Board, widget_id: int, kind: str | None = None) -> WidgetCard:
    """One widget of this board (optionally of one kind), else 404 — the board was already
    checked, so a widget id from another board or workspace simply does not match."""
    widgets = _widgets(board)
    if kind is not None:
        widgets = widgets.filter(kind=kind)
    return _card(get_object_or_404(widgets, pk=widget_id), board)


def widget_get_for_board(*, board: Board, widget_id: int) -> Widget:
    widget = get_object_or_404(Widget.objects.filter(board=board), pk=widget_id)
    widget.board = board
    return widget


def click_state_context(
    *, board: Board, card: WidgetCard, status: DeliveryStatus
) -> dict[str, Any]:
    """What the Action widget's region (board.html#action_state) draws for a click: waiting or
    sending while it is under way, then the words for how it ended. A row whose worker died is
    final once its time is up, swept or not, so the button never says "Sending…" for ever."""
    return {
        "board": board,
        "card": card,
        "delivery": status,
        "pending": not status.final,
        "result": action_result_words(widget=card.widget, status=status) if status.final else "",
        "progress": "" if status.final else status.message,
        "outcome": status.outcome,
    }


def widget_delivery_get(*, user: AnyUser, widget: Widget, delivery_id: int) -> DeliveryStatus:
    """Where a click this user may follow, on this widget, stands; else 404."""
    return delivery_status_for_user(user=user, delivery_id=delivery_id, widget_id=widget.pk)


def connections_for_board(*, board: Board) -> QuerySet[Connection]:
    """What an Action widget on this board may use: enabled, and shared with its application."""
    return connections_usable_by(application=board.application)


def datasets_for_board(*, board: Board) -> QuerySet[Dataset]:
    """What a Table or KPI widget on this board may show: datasets shared with its application."""
    return (
        Dataset.objects.filter(
            workspace_id=board.application.workspace_id, applications=board.application_id
        )
        .prefetch_related("columns")
        .order_by("name")
    )


@dataclass(frozen=True)
class BoardPage:
    board: Board
    cards: list[WidgetCard]
    stamp: str
    can_edit: bool
    editing: bool

    def grid_context(self) -> dict[str, Any]:
        """For rendering only the grid (an HTMX swap in Edit mode)."""
        return {"board": self.board, "cards": self.cards, "editing": self.editing}


def board_page_get(*, user: AnyUser, board_id: int, editing: bool = False) -> BoardPage:
    """Everything the board page draws. Edit mode is for those who may configure the board."""
    get = board_get_for_editor if editing else board_get_for_viewer
    board = get(user=user, board_id=board_id)
    # The stamp is read before the widgets: if data lands in between, the page shows newer
    # content than its stamp and the next change check merely redraws it once.
    stamp = board_change_stamp(board=board)
    can_edit = editing or board_can_edit(user=user, board=board)
    return BoardPage(board, board_cards(board=board), stamp, can_edit, editing)
