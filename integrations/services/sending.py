"""The one door for sending a connection's POST, for every caller: the Action widget's click
(boards), the admin's Test button, and anything added later.

`connection_send` records the click (deliveries.py) and, when it may send, hands it to a worker
once the transaction commits (delivery_send.py runs it). `delivery_status` says where a
delivery stands, as a `DeliveryStatus` templates and views read: no caller looks at a Delivery's
fields or compares its words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from config.celery import enqueue_after_commit, tasks_run_in_place
from integrations.models import Connection, Delivery
from integrations.selectors.deliveries import (
    delivery_effective_state,
    delivery_get_for_user,
    delivery_unfinished_for,
)
from integrations.selectors.delivery_answers import (
    DeliveryAnswers,
    ResultsState,
    answers_annotations,
    answers_of,
)
from integrations.services.deliveries import delivery_record_unavailable, delivery_start
from integrations.services.delivery_words import delivery_public_message, results_words
from workspace.models import Application, Workspace
from workspace.selectors import AnyUser

Outcome = Delivery.Outcome
Reason = Delivery.Reason
State = Delivery.State

SOURCE_WIDGET = Delivery.Source.WIDGET
SOURCE_TEST = Delivery.Source.TEST


@dataclass(frozen=True)
class SendOrigin:
    """Where a click came from. Board and widget are plain ids and a label snapshot: the log
    keeps them after the board is gone. `application`, when given, is the board's application:
    a connection no longer shared with it sends nothing."""

    board_id: int | None = None
    widget_id: int | None = None
    board_name: str = ""
    widget_label: str = ""
    application: Application | None = None


@dataclass(frozen=True)
class DeliveryStatus:
    delivery_id: int
    state: str  # Delivery.State: waiting, sending, final
    outcome: str  # Delivery.Outcome; "pending" until final
    reason: str  # Delivery.Reason; "" when nothing went wrong
    final: bool
    message: str  # words anyone who may click may read

    @property
    def succeeded(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED

    @property
    def connection_unavailable(self) -> bool:
        """Refused because of the connection's own state, decided afresh under the lock."""
        return self.outcome == Outcome.BLOCKED and self.reason in UNAVAILABLE_REASONS


UNAVAILABLE_REASONS = frozenset({Reason.DISABLED, Reason.DELETED, Reason.NOT_SHARED})


def connection_send(
    *,
    connection: Connection,
    user: AnyUser | None,
    source: str,
    origin: SendOrigin | None = None,
) -> DeliveryStatus:
    """Record one click and, if it may send, queue it for a worker. Every call leaves exactly
    one delivery record; what it says is in the returned status."""
    origin = origin or SendOrigin()
    delivery = delivery_start(
        connection=connection,
        user=user,
        source=source,
        board_id=origin.board_id,
        widget_id=origin.widget_id,
        board_name=origin.board_name,
        widget_label=origin.widget_label,
        application=origin.application,
    )
    if delivery.state == State.WAITING:
        # Imported here: the task module imports the services this module is part of.
        from integrations.tasks import delivery_send_task

        enqueue_after_commit(delivery_send_task, delivery.pk)
        if tasks_run_in_place():
            delivery.refresh_from_db()  # the outcome is known already
    return delivery_status(delivery=delivery)


def connection_send_unavailable(
    *, workspace: Workspace, user: AnyUser | None, origin: SendOrigin
) -> DeliveryStatus:
    """Record a click on a button whose connection is gone: blocked, sent nowhere."""
    delivery = delivery_record_unavailable(
        workspace=workspace,
        user=user,
        board_id=origin.board_id,
        widget_id=origin.widget_id,
        board_name=origin.board_name,
        widget_label=origin.widget_label,
    )
    return delivery_status(delivery=delivery)


def delivery_status(*, delivery: Delivery) -> DeliveryStatus:
    state = delivery_effective_state(delivery)
    final = state == State.FINAL
    outcome, reason = delivery.outcome, delivery.reason
    if final and delivery.state != State.FINAL:
        # Past its time and not swept yet: as the sweep will record it.
        if delivery.state == State.WAITING:
            outcome, reason = Outcome.LOST, Reason.STALE
        else:
            outcome, reason = Outcome.UNKNOWN, Reason.WORKER_DIED
    return DeliveryStatus(
        delivery_id=delivery.pk,
        state=state,
        outcome=outcome,
        reason=reason,
        final=final,
        message=delivery_public_message(delivery),
    )


def delivery_status_for_user(
    *, user: AnyUser, delivery_id: int, widget_id: int | None = None
) -> DeliveryStatus:
    """Where a click stands, if `user` made it or administers its workspace (and, with
    `widget_id`, it belongs to that widget); otherwise 404."""
    delivery = delivery_get_for_user(user=user, delivery_id=delivery_id)
    if widget_id is not None and delivery.widget_id != widget_id:
        raise Http404("No such delivery.")
    return delivery_status(delivery=delivery)


@dataclass(frozen=True)
class ClickStatus:
    """Where a widget click stands: who made it, on which widget."""

    user_id: int
    board_id: int
    widget_id: int
    status: DeliveryStatus


def click_statuses(
    *, board_ids: Iterable[int], user_ids: Iterable[int], finished_since: datetime
) -> list[ClickStatus]:
    """Clicks on these boards by these users that are still under way, or were recorded final
    at or after `finished_since`, in one query whatever their number: open boards follow their
    viewers' clicks with this."""
    now = timezone.now()
    rows = (
        Delivery.objects.filter(
            Q(
                state__in=[State.WAITING, State.SENDING],
                created_at__gte=now - delivery_unfinished_for(),
            )
            # The creation bound lets the indexed column narrow the scan: no click stays
            # unfinished longer than that.
            | Q(
                state=State.FINAL,
                finished_at__gte=finished_since,
                created_at__gte=finished_since - delivery_unfinished_for(),
            ),
            source=SOURCE_WIDGET,
            board_id__in=list(board_ids),
            user_id__in=list(user_ids),
            widget_id__isnull=False,
        )
        .defer("response_excerpt")
        .order_by("created_at", "id")
    )
    # The filter leaves only rows with a user, a board and a widget.
    return [
        ClickStatus(
            cast(int, row.user_id),
            cast(int, row.board_id),
            cast(int, row.widget_id),
            delivery_status(delivery=row),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class LastRun:
    """A widget's most recent finished click, as everyone who may open the board sees it, with
    what came back for it: the imports whose pipeline echoed its Switchboard-Delivery-Id."""

    widget_id: int
    by: str  # the username, or "someone" for a user since deleted
    finished_at: datetime
    status: DeliveryStatus
    sent_at: datetime  # when the call left (or the click, for one never sent)
    results: DeliveryAnswers | None = None

    @property
    def results_state(self) -> ResultsState | None:
        return self.results.state if self.results is not None else None

    @property
    def outcome_words(self) -> str:
        """Short words for the outcome: "Sent", or what went wrong, never a host or a code; then
        how its results stand ("Sent · results arrived 3.2 s later"), when any came back."""
        words = "Sent" if self.status.succeeded else str(Outcome(self.status.outcome).label)
        if self.results is None:
            return words
        return f"{words} · {results_words(self.results, sent_at=self.sent_at)}"


def widget_last_runs(*, widget_ids: Iterable[int]) -> dict[int, LastRun]:
    """The last finished click of each of these Action widgets with the imports answering it,
    in one query whatever their number (boards draw "Last run by … at …" from it)."""
    ids = list(widget_ids)
    if not ids:
        return {}
    latest = (
        Delivery.objects.filter(
            widget_id=OuterRef("widget_id"), source=SOURCE_WIDGET, state=State.FINAL
        )
        .order_by("-finished_at", "-id")
        .values("id")[:1]
    )
    rows = (
        Delivery.objects.filter(
            widget_id__in=ids, source=SOURCE_WIDGET, state=State.FINAL, id=Subquery(latest)
        )
        .select_related("user")
        .defer("response_excerpt")
        .annotate(**answers_annotations())
    )
    return {
        cast(int, row.widget_id): LastRun(
            widget_id=cast(int, row.widget_id),
            by=row.user.get_username() if row.user is not None else "someone",
            finished_at=row.finished_at or row.created_at,
            status=delivery_status(delivery=row),
            sent_at=row.sending_started_at or row.created_at,
            results=answers_of(row),
        )
        for row in rows
    }
