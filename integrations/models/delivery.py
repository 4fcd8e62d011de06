from django.conf import settings
from django.db import models

from integrations.encrypted_fields import StrictEncryptedTextField
from workspace.models import Workspace


class Delivery(models.Model):
    """One record per click (or admin Test): the delivery log, and the ledger the quota counts.

    Never holds a header value or the body. Board and widget are plain ids plus a label snapshot,
    because integrations does not depend on boards.
    """

    class State(models.TextChoices):
        # waiting → sending is the claim: one conditional UPDATE, so two workers handed the same
        # id never both send. A final row never changes again.
        WAITING = "waiting", "Waiting to send"
        SENDING = "sending", "Sending"
        FINAL = "final", "Final"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        TIMED_OUT = "timed_out", "Timed out"
        BLOCKED = "blocked", "Blocked"
        REFUSED = "refused", "Refused by quota"
        DUPLICATE = "duplicate", "Ignored: already sending"
        # Never sent (it waited too long, or its message was lost): its quota slot is given back.
        LOST = "lost", "Lost: not sent"
        # Its worker died during the send: the service may have received it. Keeps counting.
        UNKNOWN = "unknown", "No result recorded"

    class Reason(models.TextChoices):
        """Why a delivery ended as it did, for code; `detail` is only ever words for people."""

        NONE = "", "—"
        DISABLED = "disabled", "Connection disabled"
        DELETED = "deleted", "Connection deleted"
        NOT_SHARED = "not_shared", "Not shared with the application"
        DUPLICATE = "duplicate", "Already sending"
        QUOTA = "quota", "Hourly limit reached"
        STALE = "stale", "Waited too long to be sent"
        ADDRESS_CHANGED = "address_changed", "Address changed after the click"
        HEADERS_RULES = "headers_rules", "Stored headers break a rule"
        UNREADABLE = "unreadable", "Settings could not be read"
        INTERNAL_ERROR = "internal_error", "Error on our side"
        WORKER_DIED = "worker_died", "Worker stopped during the send"
        NOT_PUBLIC = "not_public", "Address not public"
        REDIRECT = "redirect", "Redirect not followed"
        TIMEOUT = "timeout", "No answer in time"
        SERVICE_ERROR = "service_error", "The service answered with an error"
        CONNECTION_FAILED = "connection_failed", "Could not connect"

    class Source(models.TextChoices):
        WIDGET = "widget", "Action widget"
        TEST = "test", "Admin test"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="deliveries")
    connection = models.ForeignKey(
        "integrations.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    connection_name = models.CharField(max_length=100)
    host = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WIDGET)
    board_id = models.BigIntegerField(null=True, blank=True)
    widget_id = models.BigIntegerField(null=True, blank=True)
    board_name = models.CharField(max_length=200, blank=True)
    widget_label = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.FINAL)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True, default="")
    # Whether this record is a call that left (or is leaving) us: what the hourly quota counts.
    counts_toward_quota = models.BooleanField(default=False)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # Encrypted like the connection's fields: a service that echoes the request back in an
    # encoding masking cannot recognise must still not leave a secret readable in the database.
    response_excerpt = StrictEncryptedTextField(blank=True, default="")
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["workspace", "host", "created_at"], name="delivery_quota_idx"),
            models.Index(fields=["connection", "-created_at"], name="delivery_connection_idx"),
            models.Index(fields=["user", "widget_id", "outcome"], name="delivery_inflight_idx"),
            # The per-host in-flight count at every claim, and the sweeps.
            models.Index(fields=["state", "workspace", "host"], name="delivery_state_idx"),
            # A board's Action widgets' last runs, and the open boards' stamps (boards/stamps.py).
            models.Index(
                fields=["widget_id", "state", "finished_at"], name="delivery_last_run_idx"
            ),
            models.Index(fields=["board_id", "state"], name="delivery_board_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.connection_name} → {self.host}: {self.get_outcome_display()}"


class HostLock(models.Model):
    """One row per (workspace, host), locked while the quota is counted and a call recorded.

    On PostgreSQL `select_for_update()` on this row serialises concurrent clicks for the same host;
    on SQLite the IMMEDIATE transaction already holds the database write lock.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    host = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "host"], name="unique_host_lock")
        ]

    def __str__(self) -> str:
        return f"{self.workspace} / {self.host}"
