"""On PostgreSQL, the click's ledger transaction as one database function.

Taken apart, the transaction is five round trips (BEGIN, the host lock, the decision read, the
insert, COMMIT): about 3 ms of a 7 ms click. Called in autocommit, the function is one round
trip, and PL/pgSQL keeps its statements' plans for the connection's life.

It does what `integrations/services/deliveries.py` does under the lock on SQLite, in the same
order: take the (workspace, host) lock, creating its row on the host's first click; read
whether the connection still exists, is enabled and shared with the board's application,
whether the same person's previous click on the same button is unfinished, and how many calls
count against the host in the rolling hour; insert the waiting row only if it may send. Each
statement after the lock takes a fresh snapshot (READ COMMITTED), so it sees what the previous
holder committed. When the quota is full it also answers, from the same snapshot as the count,
when the counted call that must leave first was made, as `quota_next_possible_for` does.

The row's columns come as parameters in `integrations/services/delivery_start_statement.py`'s
order; a test compares the two, so a column added to Delivery fails until the function is
changed in a migration of its own.

SQLite has no such functions; there the service runs the statements itself.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION integrations_delivery_start(
    p_application_id bigint,
    p_may_share boolean,
    p_sending_state varchar,
    p_wait_after timestamptz,
    p_dead_after timestamptz,
    p_window_after timestamptz,
    p_limit integer,
    p_workspace_id bigint,
    p_connection_id bigint,
    p_connection_name varchar,
    p_host varchar,
    p_user_id integer,
    p_source varchar,
    p_board_id bigint,
    p_widget_id bigint,
    p_board_name varchar,
    p_widget_label varchar,
    p_idempotency_key uuid,
    p_state varchar,
    p_outcome varchar,
    p_reason varchar,
    p_counts_toward_quota boolean,
    p_http_status smallint,
    p_duration_ms integer,
    p_response_excerpt text,
    p_detail varchar,
    p_created_at timestamptz,
    p_sending_started_at timestamptz,
    p_finished_at timestamptz
) RETURNS TABLE (
    found boolean,
    enabled boolean,
    granted boolean,
    in_flight boolean,
    counted bigint,
    frees_at timestamptz,
    delivery_id bigint
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_enabled boolean;
    v_granted boolean;
    v_in_flight boolean := false;
    v_counted bigint;
    v_frees_at timestamptz;
    v_id bigint;
BEGIN
    PERFORM 1 FROM integrations_hostlock
        WHERE workspace_id = p_workspace_id AND host = p_host FOR UPDATE;
    IF NOT FOUND THEN
        -- The host's first click; a concurrent creator makes this wait on the unique index.
        INSERT INTO integrations_hostlock (workspace_id, host) VALUES (p_workspace_id, p_host)
            ON CONFLICT (workspace_id, host) DO NOTHING;
        PERFORM 1 FROM integrations_hostlock
            WHERE workspace_id = p_workspace_id AND host = p_host FOR UPDATE;
    END IF;

    SELECT c.enabled INTO v_enabled FROM integrations_connection c WHERE c.id = p_connection_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, false, false, false, 0::bigint, NULL::timestamptz, NULL::bigint;
        RETURN;
    END IF;

    v_granted := p_may_share AND (p_application_id IS NULL OR EXISTS (
        SELECT 1 FROM integrations_connection_applications
        WHERE connection_id = p_connection_id AND application_id = p_application_id));

    IF p_user_id IS NOT NULL THEN
        IF p_widget_id IS NOT NULL THEN
            v_in_flight := EXISTS (
                SELECT 1 FROM integrations_delivery
                WHERE user_id = p_user_id AND widget_id = p_widget_id
                AND ((state = p_state AND created_at > p_wait_after)
                     OR (state = p_sending_state AND sending_started_at > p_dead_after)));
        ELSE
            v_in_flight := EXISTS (
                SELECT 1 FROM integrations_delivery
                WHERE user_id = p_user_id AND connection_id = p_connection_id
                AND source = p_source AND widget_id IS NULL
                AND ((state = p_state AND created_at > p_wait_after)
                     OR (state = p_sending_state AND sending_started_at > p_dead_after)));
        END IF;
    END IF;

    -- The count and, when the hour is full, when the call that must leave first was made: one
    -- statement, so one snapshot. A call gives its slot back without the lock (the sweep, a
    -- send blocked at send time); read apart, the two could disagree.
    SELECT counted.n, CASE WHEN counted.n >= p_limit THEN (
            SELECT d.created_at FROM integrations_delivery d
            WHERE d.workspace_id = p_workspace_id AND d.host = p_host
            AND d.counts_toward_quota AND d.created_at > p_window_after
            ORDER BY d.created_at, d.id OFFSET counted.n - p_limit LIMIT 1)
        END
        INTO v_counted, v_frees_at
        FROM (SELECT count(*) AS n FROM integrations_delivery
              WHERE workspace_id = p_workspace_id AND host = p_host
              AND counts_toward_quota AND created_at > p_window_after) AS counted;

    IF v_counted >= p_limit THEN
        NULL;  -- refused: the caller records it
    ELSIF v_enabled AND v_granted AND NOT v_in_flight THEN
        INSERT INTO integrations_delivery (
            workspace_id, connection_id, connection_name, host, user_id, source, board_id,
            widget_id, board_name, widget_label, idempotency_key, state, outcome, reason,
            counts_toward_quota, http_status, duration_ms, response_excerpt, detail, created_at,
            sending_started_at, finished_at
        ) VALUES (
            p_workspace_id, p_connection_id, p_connection_name, p_host, p_user_id, p_source,
            p_board_id, p_widget_id, p_board_name, p_widget_label, p_idempotency_key, p_state,
            p_outcome, p_reason, p_counts_toward_quota, p_http_status, p_duration_ms,
            p_response_excerpt, p_detail, p_created_at, p_sending_started_at, p_finished_at
        ) RETURNING id INTO v_id;
    END IF;

    RETURN QUERY SELECT true, v_enabled, v_granted, v_in_flight, v_counted, v_frees_at, v_id;
END
$$;
"""

DROP = "DROP FUNCTION IF EXISTS integrations_delivery_start"


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("integrations", "0006_apikey_to_datasets")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
