from django.db import models


class WorkerHeartbeat(models.Model):
    """When a worker last ran the `heartbeat` task that beat sends to each queue every few
    seconds, one row per worker and queue.

    Readiness reads each queue's newest row: a young one means beat is sending, the broker
    carries its messages and some worker consuming that queue has a free thread to run them.
    """

    hostname = models.CharField(max_length=255)
    queue = models.CharField(max_length=200, default="")
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["hostname", "queue"], name="unique_worker_queue")
        ]

    def __str__(self) -> str:
        return f"{self.hostname} ({self.queue}) at {self.seen_at:%Y-%m-%d %H:%M:%S}"
