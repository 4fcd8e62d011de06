"""Permission-scoped reads for boards. A board the user may not open is a 404, never a 403."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from boards.models import Board, Widget
from boards.widgets.actions import action_label, action_unavailable_reason, confirmation_text
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
    connection_shared_with,
    connections_usable_by,
    delivery_status_for_user,
)
from workspace.models import ApplicationRole, Membership
from workspace.selectors import (
    AnyUser,
    applications_configurable_by,
    applications_openable_by,
    can_configure_application,
)

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


def board_can_edit(*, user: AnyUser, board: Board) -> bool:
    return can_configure_application(user=user, application=board.application)


@dataclass(frozen=True)
class WidgetCard:
    """One widget plus what it shows right now."""

    widget: Widget
    unavailable_reason: str = ""
    table: TablePage | None = None
    kpi: KpiFigure | None = None

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


def _widgets(board: Board) -> QuerySet[Widget]:
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
    widget: Widget, board: Board, first_rows: dict[int, list[dict]] | None = None
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


def board_cards(*, board: Board, data_only: bool = False) -> list[WidgetCard]:
    widgets = _widgets(board)
    if data_only:
        widgets = widgets.filter(kind__in=DATA_KINDS)
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
    return [_card(widget, board, first_rows) for widget in widgets]


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


# --- Live refresh ---------------------------------------------------------------------------
#
# The stamp is "<layout_version>-<sum of data widgets' dataset versions>-<number of them>".
# A sum rather than a max: with two datasets at versions 5 and 3, an import into the second
# leaves the max at 5 but moves the sum. Versions only go up, so any import moves the sum; the
# count catches a dataset being deleted from under a widget.


def _data_versions(board_ref: OuterRef) -> QuerySet[Widget]:
    return (
        Widget.objects.filter(board=board_ref, kind__in=DATA_KINDS, dataset__isnull=False)
        .order_by()
        .values("board")
        .annotate(total=Sum("dataset__version"), widgets=Count("pk"))
    )


def _stamp(layout_version: int, data_total: int | None, data_widgets: int | None) -> str:
    return f"{layout_version}-{data_total or 0}-{data_widgets or 0}"


def board_change_stamp(*, board: Board) -> str:
    """The stamp of a board already fetched for this viewer (one query)."""
    row = (
        Board.objects.filter(pk=board.pk)
        .annotate(
            data_total=Subquery(_data_versions(OuterRef("pk")).values("total")),
            data_widgets=Subquery(_data_versions(OuterRef("pk")).values("widgets")),
        )
        .values_list("layout_version", "data_total", "data_widgets")
        .first()
    )
    if row is None:
        raise Http404("No such board.")
    return _stamp(*row)


def board_change_stamp_for_viewer(*, user: AnyUser, board_id: int) -> str:
    """The stamp, checking the viewer may open the board, in ONE query.

    Every open board asks this every second, so it folds the rule of board_get_for_viewer
    (the user's workspace is their first membership; admins open everything in it, anyone with
    a role on the application opens its boards) into subqueries instead of three round trips.
    tests/boards/test_permissions.py holds the two to the same answers for every persona.
    """
    if not user.is_authenticated:
        raise Http404("No such board.")
    first_membership = Membership.objects.filter(user=user).order_by("id")[:1]
    has_role = ApplicationRole.objects.filter(application_id=OuterRef("application_id"), user=user)
    row = (
        Board.objects.filter(
            pk=board_id,
            application__workspace_id=Subquery(first_membership.values("workspace_id")),
        )
        .annotate(
            viewer_role=Subquery(first_membership.values("role")),
            has_role=Exists(has_role),
            data_total=Subquery(_data_versions(OuterRef("pk")).values("total")),
            data_widgets=Subquery(_data_versions(OuterRef("pk")).values("widgets")),
        )
        .filter(Q(viewer_role=Membership.Role.ADMIN) | Q(has_role=True))
        .values_list("layout_version", "data_total", "data_widgets")
        .first()
    )
    if row is None:
        raise Http404("No such board.")
    return _stamp(*row)


def stamp_layout_changed(*, since: str, stamp: str) -> bool:
    """Whether widgets were added, moved or removed (so the whole grid must be redrawn), as
    opposed to only data arriving (so only the data widgets are)."""
    return since.split("-", 1)[0] != stamp.split("-", 1)[0]


@dataclass(frozen=True)
class BoardPage:
    board: Board
    cards: list[WidgetCard]
    stamp: str
    can_edit: bool
    editing: bool

    def grid_context(self) -> dict:
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
