"""Board stamps: what an open board compares to know whether, and what, to redraw.

A board's stamp is "<layout part>-<data part>-<runs part>", the first two a few numbers joined by
dots:
  layout: layout_version, then the sum and count of the connection ids its Action widgets may
          send through (enabled and shared): disabling, deleting or unsharing one moves them;
  data:   the sum of its data widgets' dataset versions, how many have a dataset, and how many
          of those the application may read.
  runs:   the id of the newest finished click on the board's Action widgets, then how many
          imports answer the board's clicks plus how many of those have finished (an import
          pushed with ?deliveryId=): when either moves, every viewer's "Last run by …" line is
          redrawn, so "results arriving…" and "results arrived 3.2 s later" follow the import.
A sum rather than a max: with two datasets at versions 5 and 3, an import into the second leaves
the max at 5 but moves the sum. Versions only go up, so any import moves the sum. When the
layout part moves the whole grid is redrawn; when only the data part does, only the data widgets.

Every board page and every tick of the live-board watcher (boards/live.py) reads stamps, so they
come from one hand-written statement: the same query built with the ORM (five correlated
subqueries) cost more to compile than the rest of a board page's queries together.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.http import Http404

from boards.kinds import DATASET_CODES, SENDING_CODES
from boards.models import Board, Widget
from datasets.models import Dataset, ImportJob
from integrations.services import SOURCE_WIDGET, Connection, Delivery
from workspace.models import ApplicationRole, Membership
from workspace.selectors import AnyUser


def _stamps_sql(count: int) -> str:
    # Only table names from the models' metadata are written into the text (S608); every value
    # is a parameter.
    quote = connection.ops.quote_name
    board, widget = quote(Board._meta.db_table), quote(Widget._meta.db_table)
    conn, dataset = quote(Connection._meta.db_table), quote(Dataset._meta.db_table)
    conn_apps = quote(Connection.applications.through._meta.db_table)
    clicks = quote(Delivery._meta.db_table)
    imports = quote(ImportJob._meta.db_table)
    dataset_apps = quote(Dataset.applications.through._meta.db_table)
    sending, with_data = _marks(len(SENDING_CODES)), _marks(len(DATASET_CODES))
    usable = (
        f"w.kind IN ({sending}) AND c.enabled = %s AND EXISTS (SELECT 1 FROM {conn_apps} ca"  # noqa: S608
        " WHERE ca.connection_id = w.connection_id AND ca.application_id = b.application_id)"
    )
    with_dataset = f"w.kind IN ({with_data}) AND w.dataset_id IS NOT NULL"
    shared = (
        f"EXISTS (SELECT 1 FROM {dataset_apps} da"  # noqa: S608
        " WHERE da.dataset_id = w.dataset_id AND da.application_id = b.application_id)"
    )
    return (
        "SELECT b.id, b.layout_version,"  # noqa: S608
        f" SUM(CASE WHEN {usable} THEN w.connection_id END),"
        f" COUNT(CASE WHEN {usable} THEN 1 END),"
        f" SUM(CASE WHEN {with_dataset} THEN d.version END),"
        f" COUNT(CASE WHEN {with_dataset} THEN 1 END),"
        f" COUNT(CASE WHEN {with_dataset} AND {shared} THEN 1 END),"
        f" (SELECT MAX(r.id) FROM {clicks} r WHERE r.board_id = b.id AND r.state = %s"
        " AND r.source = %s),"
        # Each answering import counts once when it arrives and once more when it ends, so
        # the number moves at both (and at nothing else: queued → running changes no words).
        f" (SELECT COUNT(j.id) + COUNT(j.finished_at) FROM {imports} j"
        f" JOIN {clicks} a ON a.id = j.delivery_id WHERE a.board_id = b.id AND a.source = %s)"
        f" FROM {board} b"
        f" LEFT JOIN {widget} w ON w.board_id = b.id"
        f" LEFT JOIN {conn} c ON c.id = w.connection_id"
        f" LEFT JOIN {dataset} d ON d.id = w.dataset_id"
        f" WHERE b.id IN ({_marks(count)})"
        " GROUP BY b.id, b.layout_version"
    )


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def board_stamps(*, board_ids: Iterable[int]) -> dict[int, str]:
    """The stamps of these boards, in one query whatever their number; a board that no longer
    exists is missing."""
    ids = sorted(set(board_ids))
    if not ids:
        return {}
    params: list[str | int | bool] = [*SENDING_CODES, True, *SENDING_CODES, True]
    params += [*DATASET_CODES, *DATASET_CODES, *DATASET_CODES, Delivery.State.FINAL, SOURCE_WIDGET]
    params += [SOURCE_WIDGET, *ids]
    with connection.cursor() as cursor:
        cursor.execute(_stamps_sql(len(ids)), params)
        rows = cursor.fetchall()
    return {row[0]: _stamp(row[1:]) for row in rows}


def _stamp(row: tuple[int | None, ...]) -> str:
    layout_version, actions_sum, actions, data_total, data_widgets, data_shared, runs, answers = (
        int(value or 0) for value in row
    )
    layout = f"{layout_version}.{actions_sum}.{actions}"
    return f"{layout}-{data_total}.{data_widgets}.{data_shared}-{runs}.{answers}"


def board_change_stamp(*, board: Board) -> str:
    """The stamp of a board already fetched for this viewer (one query)."""
    stamps = board_stamps(board_ids=[board.pk])
    if board.pk not in stamps:
        raise Http404("No such board.")
    return stamps[board.pk]


def board_change_stamp_for_viewer(*, user: AnyUser, board_id: int) -> str:
    """The stamp, if the user may open the board (the rule of boards_openable_among, which
    tests/boards/test_permissions.py holds to board_get_for_viewer's); else 404."""
    if not user.is_authenticated or (user.pk, board_id) not in boards_openable_among(
        viewers=[(user.pk, board_id)]
    ):
        raise Http404("No such board.")
    stamps = board_stamps(board_ids=[board_id])
    if board_id not in stamps:
        raise Http404("No such board.")
    return stamps[board_id]


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


STAMP_PARTS = ("layout", "data", "runs")


def stamp_changes(*, since: str, stamp: str) -> set[str]:
    """Which parts moved: "layout" (widgets added, moved or removed, or an Action widget's
    connection changed: the whole grid is redrawn), "data" (only the data widgets are), "runs"
    (only the Action widgets' last-run lines are). An unreadable `since` changed everything."""
    old, new = since.split("-"), stamp.split("-")
    if len(old) != len(STAMP_PARTS):
        return set(STAMP_PARTS)
    return {part for part, a, b in zip(STAMP_PARTS, old, new, strict=True) if a != b}


def stamp_is_readable(stamp: str) -> bool:
    return stamp.count("-") == len(STAMP_PARTS) - 1


def stamp_layout_changed(*, since: str, stamp: str) -> bool:
    return "layout" in stamp_changes(since=since, stamp=stamp)
