"""Reads of the delivery log and of what is left of each host's hourly quota."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from integrations.address_policy import canonical_host
from integrations.models import Connection, Delivery
from integrations.selectors.delivery_answers import ANSWERS
from workspace.models import Workspace
from workspace.selectors import (
    AnyUser,
    is_workspace_admin,
    workspace_for_admin,
    workspace_for_user,
)

QUOTA_WINDOW = timedelta(hours=1)
# Beyond the longest send: how late a worker may record its result before it is taken for dead.
SENDING_MARGIN_SECONDS = 30
# At most this many calls in flight per (workspace, host), over every worker on every machine.
CALLS_PER_HOST = 2


class HostQuota(NamedTuple):
    host: str
    used: int
    left: int
    next_possible_at: datetime | None  # only when nothing is left


def delivery_longest_send() -> timedelta:
    """The longest one send can take: name resolution (bounded by the connect timeout), then the
    overall deadline."""
    return timedelta(
        seconds=float(settings.OUTBOUND_CONNECT_TIMEOUT) + float(settings.OUTBOUND_DEADLINE)
    )


def delivery_max_wait() -> timedelta:
    """How long a click may wait in line for its host before it is given up unsent (lost)."""
    return timedelta(seconds=float(settings.DELIVERY_MAX_WAIT))


def delivery_sending_dead_after() -> timedelta:
    """A send claimed longer ago than this has no worker left: no send lasts so long, so the
    worker died during it (the service may have received the call)."""
    return delivery_longest_send() + timedelta(seconds=SENDING_MARGIN_SECONDS)


def delivery_unfinished_for() -> timedelta:
    """The longest a click can stay unfinished: the whole wait, then the longest send. Past it,
    a row still unfinished will never get a result (its sweeps did not run either)."""
    return delivery_max_wait() + delivery_sending_dead_after()


def delivery_effective_state(delivery: Delivery, *, now: datetime | None = None) -> str:
    """`delivery.state`, except that an unfinished row past its time reads as final even before
    the sweep (integrations/services/delivery_sweep.py) has recorded it so."""
    if delivery.state == Delivery.State.FINAL:
        return Delivery.State.FINAL
    now = now or timezone.now()
    if delivery.state == Delivery.State.WAITING:
        expired = delivery.created_at <= now - delivery_max_wait()
    else:
        started = delivery.sending_started_at or delivery.created_at
        expired = started <= now - delivery_sending_dead_after()
    return Delivery.State.FINAL if expired else delivery.state


def delivery_get_for_user(*, user: AnyUser, delivery_id: int) -> Delivery:
    """The delivery if `user` made it or administers its workspace; otherwise 404."""
    workspace = workspace_for_user(user=user)
    deliveries = Delivery.objects.filter(workspace=workspace)
    if not is_workspace_admin(user=user, workspace=workspace):
        # A member of the workspace (workspace_for_user raised otherwise): signed in.
        deliveries = deliveries.filter(user=cast(User, user))
    return get_object_or_404(deliveries, pk=delivery_id)


def delivery_get_for_admin(*, user: AnyUser, delivery_id: int) -> Delivery:
    """For pages that show the response excerpt: Workspace Admins only."""
    workspace = workspace_for_admin(user=user)
    return get_object_or_404(
        Delivery.objects.select_related("user", "connection").prefetch_related(ANSWERS),
        workspace=workspace,
        pk=delivery_id,
    )


def delivery_connection_for_admin(*, user: AnyUser, connection_id: int) -> Connection:
    """A connection of the admin's workspace, for its Test button and delivery log; else 404.

    The secret columns stay encrypted: neither needs them (the send loads them itself), and a
    connection whose secrets no longer decrypt still shows its log.
    """
    workspace = workspace_for_admin(user=user)
    return get_object_or_404(
        Connection.objects.select_related("workspace").defer("url", "headers", "body"),
        workspace=workspace,
        pk=connection_id,
    )


def delivery_list_for_connection(
    *, connection: Connection, outcome: str | None = None
) -> QuerySet[Delivery]:
    """Newest first, optionally only one Delivery.Outcome; each with the imports answering it
    (one query more for a whole page)."""
    deliveries = (
        Delivery.objects.filter(connection=connection)
        .select_related("user")
        .prefetch_related(ANSWERS)
    )
    if outcome:
        deliveries = deliveries.filter(outcome=outcome)
    return deliveries.order_by("-created_at", "-id")


def delivery_list_for_workspace(
    *, workspace: Workspace, outcome: str | None = None
) -> QuerySet[Delivery]:
    """Every call of the workspace, newest first, including those whose connection was deleted
    or that never had one (a click on a button whose connection was already gone).

    The connection is not joined: rows keep its name as it was, and its secret columns stay
    encrypted. Each comes with the imports answering it (one query more for a whole page).
    """
    deliveries = (
        Delivery.objects.filter(workspace=workspace)
        .select_related("user")
        .prefetch_related(ANSWERS)
    )
    if outcome:
        deliveries = deliveries.filter(outcome=outcome)
    return deliveries.order_by("-created_at", "-id")


def delivery_in_flight(*, workspace_id: int, host: str, now: datetime) -> QuerySet[Delivery]:
    """The host's sends under way (claimed, and not so long ago that their worker must be dead)."""
    return Delivery.objects.filter(
        workspace_id=workspace_id,
        host=host,
        state=Delivery.State.SENDING,
        sending_started_at__gt=now - delivery_sending_dead_after(),
    )


def delivery_waiting(*, workspace_id: int, host: str) -> QuerySet[Delivery]:
    """The host's clicks in line, oldest first."""
    return Delivery.objects.filter(
        workspace_id=workspace_id, host=host, state=Delivery.State.WAITING
    ).order_by("created_at", "id")


def quota_counted(*, workspace: Workspace, host: str, now: datetime) -> QuerySet[Delivery]:
    """The calls to `host` that count against the workspace's quota at `now`."""
    return quota_counted_for(workspace_id=workspace.pk, host=host, now=now)


def quota_counted_for(*, workspace_id: int, host: str, now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        workspace_id=workspace_id,
        host=host,
        counts_toward_quota=True,
        created_at__gt=now - QUOTA_WINDOW,
    )


def quota_next_possible_at(*, workspace: Workspace, host: str, now: datetime) -> datetime | None:
    """None while a call is allowed; else when the next one will be, to the minute.

    The time is when enough counted calls have left the rolling hour to make room for one, rounded
    UP to the minute: a person who comes back at the minute we show must not be refused again.
    """
    return quota_next_possible_for(workspace_id=workspace.pk, host=host, now=now)


def quota_next_possible_for(*, workspace_id: int, host: str, now: datetime) -> datetime | None:
    """As `quota_next_possible_at`, by id: the click holds the host lock while it asks, and
    must not load the workspace row meanwhile."""
    counted = quota_counted_for(workspace_id=workspace_id, host=host, now=now)
    used = counted.count()
    if used < settings.OUTBOUND_CALLS_PER_HOUR:
        return None
    # With `used` calls in the window, room appears when the (used - limit + 1)-th oldest leaves.
    index = used - settings.OUTBOUND_CALLS_PER_HOUR
    frees_at = counted.order_by("created_at", "id").values_list("created_at", flat=True)[index]
    return quota_next_possible_from(frees_at)


def quota_next_possible_from(frees_at: datetime) -> datetime:
    """When a call may be made again, `frees_at` being when the counted call that must leave
    the rolling hour first was made."""
    return _minute_ceiling(frees_at + QUOTA_WINDOW)


def calls_left_this_hour(*, workspace: Workspace) -> list[HostQuota]:
    """Every host the workspace has a connection to or called this hour, by host name."""
    now = timezone.now()
    limit = settings.OUTBOUND_CALLS_PER_HOUR
    usage = {
        row["host"]: row
        for row in Delivery.objects.filter(
            workspace=workspace, counts_toward_quota=True, created_at__gt=now - QUOTA_WINDOW
        )
        .values("host")
        .annotate(used=Count("id"))
        .order_by()
    }
    # Canonical, like the quota key: a host saved in another spelling is still the same host.
    hosts = set(usage) | {
        canonical_host(host)
        for host in Connection.objects.filter(workspace=workspace).values_list("host", flat=True)
    }
    quotas = []
    for host in sorted(hosts):
        used = usage[host]["used"] if host in usage else 0
        next_at = None
        if used >= limit:
            next_at = quota_next_possible_at(workspace=workspace, host=host, now=now)
        quotas.append(HostQuota(host, used, max(0, limit - used), next_at))
    return quotas


def host_quota(*, workspace: Workspace, host: str) -> HostQuota:
    host = canonical_host(host)
    now = timezone.now()
    limit = settings.OUTBOUND_CALLS_PER_HOUR
    used = quota_counted(workspace=workspace, host=host, now=now).count()
    next_at = quota_next_possible_at(workspace=workspace, host=host, now=now)
    return HostQuota(host, used, max(0, limit - used), next_at)


def connection_calls_left(*, connection: Connection) -> dict[str, object]:
    """What the calls-left line beside a connection's Test button shows: its host's quota this
    hour and the hourly limit (the connection pane draws it, and a Test answer redraws it)."""
    return {
        "quota": host_quota(workspace=connection.workspace, host=connection.host),
        "calls_per_hour": settings.OUTBOUND_CALLS_PER_HOUR,
    }


def _minute_ceiling(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)
