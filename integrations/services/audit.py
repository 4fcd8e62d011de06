"""The configuration audit trail: who changed what, and when. Never a secret value.

Other writes (connections, API keys) call `audit_record` inside their own transaction, so an
entry exists exactly when the change it describes was committed.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from integrations.models import AuditEntry, Connection
from workspace.models import Workspace

# A change is either [old, new] (None when there was no old or no new value) or a short phrase
# such as "replaced" for values we never write down, or a count.
Change = list[object] | str | int


def audit_record(
    *,
    workspace: Workspace,
    actor: User | None,
    action: str,
    subject_name: str,
    connection: Connection | None = None,
    changes: dict[str, Change] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        workspace=workspace,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "system",
        action=action,
        subject_name=subject_name,
        connection=connection,
        changes=changes or {},
    )
    entry.full_clean()
    entry.save()
    return entry
