"""The click's one-statement ledger on PostgreSQL inserts every column of a Delivery, in the
order the service passes them: a column added to the model fails here until the database
function (integrations/migrations/0007) is changed to insert it."""

from __future__ import annotations

import pytest
from django.db import connection

from integrations.models import Delivery
from integrations.services.delivery_start_statement import ROW_FIELDS


def test_the_statement_passes_every_column_of_a_delivery():
    columns = {field.name for field in Delivery._meta.concrete_fields} - {"id"}
    assert set(ROW_FIELDS) == columns
    assert len(ROW_FIELDS) == len(columns)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL function")
@pytest.mark.django_db
def test_the_function_takes_the_columns_in_the_services_order():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proargnames FROM pg_proc WHERE proname = 'integrations_delivery_start'"
        )
        (names,) = cursor.fetchone()
    attnames = [Delivery._meta.get_field(name).attname for name in ROW_FIELDS]
    taken = [name for name in names if name.startswith("p_")]
    assert taken[-len(ROW_FIELDS) :] == [f"p_{name}" for name in attnames]


@pytest.mark.django_db
def test_a_full_hour_that_has_room_by_the_time_the_refusal_is_recorded_is_decided_again(
    world, monkeypatch, fake_dns
):
    """The one-statement ledger refused for a full hour, and by the time the refusal would be
    recorded a call has given its slot back: the click is decided again under the lock, and
    sends, rather than being refused for nothing or failing."""
    from integrations.services import deliveries
    from integrations.services.delivery_start_statement import StartState
    from tests.support.connections import connection_make

    connection = connection_make(world.acme, actor=world.alice, applications=[world.sales])
    full_a_moment_ago = StartState(True, True, False, counted=10**6, frees_at=None)
    monkeypatch.setattr(
        deliveries, "delivery_start_in_one_statement", lambda *a, **k: (full_a_moment_ago, None)
    )
    fields = {
        "workspace_id": connection.workspace_id,
        "connection": connection,
        "connection_name": connection.name,
        "host": connection.host,
        "user": world.victor,
        "source": Delivery.Source.WIDGET,
        "board_id": None,
        "widget_id": 7,
        "board_name": "",
        "widget_label": "",
    }

    delivery = deliveries._start_in_one_statement(fields, connection, None, host=connection.host)

    assert delivery.outcome == Delivery.Outcome.PENDING
    assert Delivery.objects.get().pk == delivery.pk
