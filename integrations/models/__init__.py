from integrations.models.audit import AuditEntry
from integrations.models.connection import Connection
from integrations.models.delivery import Delivery, HostLock

__all__ = ["AuditEntry", "Connection", "Delivery", "HostLock"]
