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
