from django.db import models


class WorkerHeartbeat(models.Model):
    """When a worker last ran the `heartbeat` task that beat sends every few seconds.

    Readiness reads the newest row: a young one means beat is sending, the broker carries its
    messages and some worker has a free thread to run them.
    """

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
