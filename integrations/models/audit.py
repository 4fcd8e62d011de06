from django.conf import settings
from django.db import models

from workspace.models import Workspace


class AuditEntry(models.Model):
    """A configuration change: who, when, what changed. Never a secret value.

    `changes` maps a field label to a description such as {"Name": ["Old", "New"]} or
    {"Headers": "replaced"}.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Set up"
        UPDATED = "updated", "Edited"
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        DELETED = "deleted", "Deleted"
        KEY_CREATED = "key_created", "API key created"
        KEY_UPDATED = "key_updated", "API key edited"
        KEY_DELETED = "key_deleted", "API key deleted"
        BOARD_CREATED = "board_created", "Board created"
        BOARD_RENAMED = "board_renamed", "Board renamed"
        BOARD_DUPLICATED = "board_duplicated", "Board duplicated"
        BOARD_DELETED = "board_deleted", "Board deleted"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices)
    subject_name = models.CharField(max_length=150)
    connection = models.ForeignKey(
        "integrations.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Not a column: readable lines set by integrations.selectors.audit.audit_entry_page.
    change_lines: list[str]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} {self.subject_name}"
