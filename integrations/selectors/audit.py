"""Reads for the configuration audit trail, scoped to the Workspace Admin asking."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page, Paginator

from integrations.models import AuditEntry
from workspace.selectors import workspace_for_admin

AUDIT_PAGE_SIZE = 50


def audit_entry_page(
    *, user: User | AnonymousUser, page_number: str | int | None
) -> Page[AuditEntry]:
    """One page of the workspace's audit trail, newest first, each entry with `change_lines`."""
    workspace = workspace_for_admin(user=user)
    entries = AuditEntry.objects.filter(workspace=workspace).order_by("-created_at", "-id")
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(page_number)
    for entry in page.object_list:
        entry.change_lines = describe_changes(entry.changes)
    return page


def describe_changes(changes: dict[str, Any]) -> list[str]:
    """Readable lines for an entry's `changes`: "Name: Old → New", "Headers: replaced"."""
    lines = []
    for label, change in (changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            old, new = (_show(value) for value in change)
            if change[0] is None:
                lines.append(f"{label}: {new}")
            elif change[1] is None:
                lines.append(f"{label}: {old} → (removed)")
            else:
                lines.append(f"{label}: {old} → {new}")
        else:
            lines.append(f"{label}: {_show(change)}")
    return lines


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)
