"""Template helpers for deliveries: the outcome and duration in words, polling, and a connection's
activity box.

`{% connection_activity connection %}` renders the Test button, the host's calls left this hour
and the link to the delivery log; the connection edit pane includes it, so the box works without
JavaScript and without that view knowing about deliveries.
"""

from __future__ import annotations

from django import template

from integrations.egress.result import duration_words
from integrations.models import Connection, Delivery
from integrations.selectors.deliveries import connection_calls_left, delivery_effective_state
from integrations.services.delivery_words import delivery_admin_message, delivery_public_message

register = template.Library()


@register.filter
def duration(milliseconds: int | None) -> str:
    return "—" if milliseconds is None else duration_words(milliseconds)


@register.filter
def delivery_message(delivery: Delivery) -> str:
    """Outcome words only: safe wherever a viewer may look."""
    return delivery_public_message(delivery)


@register.filter
def delivery_log_message(delivery: Delivery) -> str:
    """Outcome words for the delivery log (Workspace Admins only): also where a redirect
    pointed."""
    return delivery_admin_message(delivery)


@register.filter
def delivery_still_sending(delivery: Delivery) -> bool:
    """Whether a page showing this delivery should ask again shortly."""
    return delivery_effective_state(delivery) != Delivery.State.FINAL


@register.inclusion_tag("integrations/_connection_activity.html", takes_context=True)
def connection_activity(context: template.Context, connection: Connection) -> dict:
    return {
        "connection": connection,
        **connection_calls_left(connection=connection),
        "csrf_token": context.get("csrf_token"),
    }
