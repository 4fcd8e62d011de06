"""What other apps may use of integrations: sending through a connection, and where a delivery
stands (sending.py), and the reads a board needs about connections. Apps above integrations
(boards) import from here only, never its models, selectors or tasks.
"""

from integrations.models import AuditEntry, Connection, Delivery
from integrations.selectors.connections import (
    SECRET_FIELDS as CONNECTION_SECRET_FIELDS,
)
from integrations.selectors.connections import (
    connection_shared_with,
    connections_usable_by,
)
from integrations.services.audit import audit_record
from integrations.services.sending import (
    SOURCE_TEST,
    SOURCE_WIDGET,
    ClickStatus,
    DeliveryStatus,
    LastRun,
    SendOrigin,
    click_statuses,
    connection_send,
    connection_send_unavailable,
    delivery_status,
    delivery_status_for_user,
    widget_last_runs,
)

# Reason codes of a DeliveryStatus, for code that decides on them.
DeliveryReason = Delivery.Reason
# What an audit entry records (boards record their own creation, renaming and deletion).
AuditAction = AuditEntry.Action

__all__ = [
    "AuditAction",
    "audit_record",
    "DeliveryReason",
    "CONNECTION_SECRET_FIELDS",
    "Connection",
    "SOURCE_TEST",
    "SOURCE_WIDGET",
    "DeliveryStatus",
    "SendOrigin",
    "ClickStatus",
    "click_statuses",
    "connection_send",
    "connection_send_unavailable",
    "connection_shared_with",
    "connections_usable_by",
    "delivery_status",
    "delivery_status_for_user",
    "LastRun",
    "widget_last_runs",
    "Delivery",
]
