"""Permission-scoped reads for boards. A board the user may not open is a 404, never a 403."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

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
# A board's stamp is "<layout part>-<data part>", each a few numbers joined by dots:
#   layout: layout_version, then the sum and count of the connection ids its Action widgets may
#           send through (enabled and shared): disabling, deleting or unsharing one moves them;
#   data:   the sum of its data widgets' dataset versions, how many have a dataset, and how many
#           of those the application may read.
# A sum rather than a max: with two datasets at versions 5 and 3, an import into the second
# leaves the max at 5 but moves the sum. Versions only go up, so any import moves the sum.
# When the layout part moves the whole grid is redrawn; when only the data part does, only the
# data widgets are.

_STAMP_PARTS = ("actions_sum", "actions", "data_total", "data_widgets", "data_shared")


def _widget_totals(board_ref: OuterRef) -> QuerySet[Widget, dict[str, Any]]:
    usable = Q(kind=Widget.Kind.ACTION, connection__enabled=True) & connection_shared_with(
        application_id=OuterRef("board__application_id"), connection_ref=OuterRef("connection_id")
    )
    dataset_shared = Exists(
        Dataset.applications.through.objects.filter(
            dataset_id=OuterRef("dataset_id"), application_id=OuterRef("board__application_id")
        )
    )
    with_dataset = Q(kind__in=DATA_KINDS, dataset__isnull=False)
    return (
        Widget.objects.filter(board=board_ref)
        .order_by()
        .values("board")
        .annotate(
            actions_sum=Sum("connection_id", filter=usable),
            actions=Count("pk", filter=usable),
            data_total=Sum("dataset__version", filter=with_dataset),
            data_widgets=Count("pk", filter=with_dataset),
            data_shared=Count("pk", filter=with_dataset & dataset_shared),
        )
    )


def _with_stamp_parts(boards: QuerySet[Board]) -> QuerySet[Board]:
    totals = {part: Subquery(_widget_totals(OuterRef("pk")).values(part)) for part in _STAMP_PARTS}
    return boards.annotate(**totals)


def _stamp(row: tuple[int | None, ...]) -> str:
    layout_version, actions_sum, actions, data_total, data_widgets, data_shared = (
        value or 0 for value in row
    )
    return f"{layout_version}.{actions_sum}.{actions}-{data_total}.{data_widgets}.{data_shared}"


def board_change_stamp(*, board: Board) -> str:
    """The stamp of a board already fetched for this viewer (one query)."""
    stamps = board_stamps(board_ids=[board.pk])
    if board.pk not in stamps:
        raise Http404("No such board.")
    return stamps[board.pk]


def board_stamps(*, board_ids: Iterable[int]) -> dict[int, str]:
    """The stamps of these boards, in one query whatever their number (boards/live.py asks for
    every open board at once); a board that no longer exists is missing."""
    rows = _with_stamp_parts(Board.objects.filter(pk__in=list(board_ids))).values_list(
        "pk", "layout_version", *_STAMP_PARTS
    )
    return {row[0]: _stamp(row[1:]) for row in rows}


def board_change_stamp_for_viewer(*, user: AnyUser, board_id: int) -> str:
    """The stamp, checking the viewer may open the board, in ONE query.

    It folds the rule of board_get_for_viewer (the user's workspace is their first membership;
    admins open everything in it, anyone with a role on the application opens its boards) into
    subqueries instead of three round trips. tests/boards/test_permissions.py holds the two to
    the same answers for every persona.
    """
    if not user.is_authenticated:
        raise Http404("No such board.")
    first_membership = Membership.objects.filter(user=user).order_by("id")[:1]
    has_role = ApplicationRole.objects.filter(application_id=OuterRef("application_id"), user=user)
    row = (
        _with_stamp_parts(
            Board.objects.filter(
                pk=board_id,
                application__workspace_id=Subquery(first_membership.values("workspace_id")),
            )
        )
        .annotate(viewer_role=Subquery(first_membership.values("role")), has_role=Exists(has_role))
        .filter(Q(viewer_role=Membership.Role.ADMIN) | Q(has_role=True))
        .values_list("layout_version", *_STAMP_PARTS)
        .first()
    )
    if row is None:
        raise Http404("No such board.")
    return _stamp(row)


def boards_openable_among(*, viewers: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (user id, board id) pairs may still open their board, in three queries
    whatever their number: the rule of board_get_for_viewer, for every open board at once. A
    user made inactive opens nothing."""
    pairs = set(viewers)
    user_ids = {user_id for user_id, _ in pairs}
    boards = {
        pk: (workspace_id, application_id)
        for pk, workspace_id, application_id in Board.objects.filter(
            pk__in={board_id for _, board_id in pairs}
        ).values_list("pk", "application__workspace_id", "application_id")
    }
    first_membership: dict[int, tuple[int, str]] = {}
    for user_id, workspace_id, role in (
        Membership.objects.filter(user_id__in=user_ids, user__is_active=True)
        .order_by("user_id", "id")
        .values_list("user_id", "workspace_id", "role")
    ):
        first_membership.setdefault(user_id, (workspace_id, role))
    roles = set(
        ApplicationRole.objects.filter(
            user_id__in=user_ids,
            application_id__in={application_id for _, application_id in boards.values()},
        ).values_list("user_id", "application_id")
    )

    def may_open(user_id: int, board_id: int) -> bool:
        if board_id not in boards or user_id not in first_membership:
            return False
        workspace_id, application_id = boards[board_id]
        member_of, role = first_membership[user_id]
        if member_of != workspace_id:
            return False
        return role == Membership.Role.ADMIN or (user_id, application_id) in roles

    return {pair for pair in pairs if may_open(*pair)}


def stamp_layout_changed(*, since: str, stamp: str) -> bool:
    """Whether widgets were added, moved or removed, or an Action widget's connection changed
    (so the whole grid must be redrawn), as opposed to only data arriving (so only the data
    widgets are)."""
    return since.split("-", 1)[0] != stamp.split("-", 1)[0]


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
