"""Permission-scoped reads for boards. A board the user may not open is a 404, never a 403."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from boards.board_reads import board_with_rights_get
from boards.kinds import DATASET_CODES, SENDING_CODES, WIDGET_KINDS, WidgetCard, kind_for
from boards.kinds.dataset import datasets_for_board as datasets_for_board
from boards.models import Board, Widget
from boards.stamps import board_change_stamp
from boards.widgets.actions import action_result_words
from datasets.models import Dataset
from integrations.services import (
    DeliveryStatus,
    connection_shared_with,
    delivery_status_for_user,
)
from workspace.models import Application
from workspace.selectors import (
    AnyUser,
    applications_configurable_by,
    applications_openable_by,
)

if TYPE_CHECKING:
    from boards.kinds.base import GrantedWidget

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


def _widgets(board: Board) -> QuerySet[GrantedWidget]:
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


def board_cards(
    *, board: Board, data_only: bool = False, actions_only: bool = False
) -> list[WidgetCard]:
    """Every widget of the board with what it shows (only the data widgets, or only the Action
    widgets, for what an open board redraws), in a fixed number of queries: each kind reads
    the cards of all its widgets together."""
    widgets = _widgets(board)
    if data_only:
        widgets = widgets.filter(kind__in=DATASET_CODES)
    if actions_only:
        widgets = widgets.filter(kind__in=SENDING_CODES)
    widgets = list(widgets)
    for widget in widgets:
        widget.board = board  # already loaded; saves a query per widget in templates
    cards: dict[int, WidgetCard] = {}
    for kind in WIDGET_KINDS:
        mine = [widget for widget in widgets if widget.kind == kind.code]
        cards.update((card.widget.pk, card) for card in kind.read_cards(mine, board))
    return [cards[widget.pk] for widget in widgets]


def widget_card_get(*, board: Board, widget_id: int, kind: str | None = None) -> WidgetCard:
    """One widget of this board (optionally of one kind), else 404 — the board was already
    checked, so a widget id from another board or workspace simply does not match."""
    widgets = _widgets(board)
    if kind is not None:
        widgets = widgets.filter(kind=kind)
    widget = get_object_or_404(widgets, pk=widget_id)
    widget.board = board  # already loaded; saves a query in templates
    return kind_for(widget.kind).read_card(widget, board)


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


@dataclass(frozen=True)
class BoardPage:
    board: Board
    stamp: str
    can_edit: bool
    editing: bool

    @cached_property
    def cards(self) -> list[WidgetCard]:
        """Read only when drawn: a board whose grid is already drawn for its stamp
        (boards/grid_cache.py) skips the widgets' queries."""
        return board_cards(board=self.board)

    def grid_context(self) -> dict[str, Any]:
        """For rendering only the grid (an HTMX swap in Edit mode)."""
        return {"board": self.board, "cards": self.cards, "editing": self.editing}


def board_page_get(*, user: AnyUser, board_id: int, editing: bool = False) -> BoardPage:
    """Everything the board page draws. Edit mode is for those who may configure the board."""
    board, can_edit = board_with_rights_get(user=user, board_id=board_id, editing=editing)
    # The stamp is read before the widgets: if data lands in between, the page shows newer
    # content than its stamp and the next change check merely redraws it once.
    stamp = board_change_stamp(board=board)
    return BoardPage(board, stamp, can_edit, editing)
