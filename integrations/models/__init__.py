from integrations.models.api_key import ApiKey
from integrations.models.audit import AuditEntry
from integrations.models.connection import Connection
from integrations.models.delivery import Delivery, HostLock

__all__ = ["ApiKey", "AuditEntry", "Connection", "Delivery", "HostLock"]
