"""What came back for a click: the imports that name its delivery (`Switchboard-Delivery-Id`,
echoed by the receiving pipeline as the import API's `?deliveryId=`).

The link is datasets' field (`ImportJob.delivery`): datasets builds on integrations, never the
other way round, so integrations reads those imports only through the reverse relation Django
adds to Delivery, by name, the way datasets reads board widgets (`dataset_widget_list`). The
status values are the import's own (datasets.models.ImportJob.Status);
tests/boards/test_results_arrived.py holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Count, Max, Q

# Delivery → the imports that answer it (ImportJob.delivery's related_name).
ANSWERS = "import_jobs"


class AnswerStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ResultsState(StrEnum):
    ARRIVING = "arriving"  # an import is queued or running
    ARRIVED = "arrived"  # every import succeeded
    FAILED = "failed"  # an import failed


@dataclass(frozen=True)
class DeliveryAnswers:
    """What the imports naming one delivery add up to (there is usually one)."""

    count: int
    unfinished: int
    failed: int
    last_finished_at: datetime | None

    @property
    def state(self) -> ResultsState:
        if self.failed:
            return ResultsState.FAILED
        if self.unfinished or self.last_finished_at is None:
            return ResultsState.ARRIVING
        return ResultsState.ARRIVED


# Annotations read by `answers_of`: one JOIN and GROUP BY in the caller's own query, so the
# board's last runs bring their results along without a query more.
_PREFIX = "answers_"


def answers_annotations() -> dict[str, Any]:
    status = f"{ANSWERS}__status"
    return {
        f"{_PREFIX}count": Count(ANSWERS),
        f"{_PREFIX}unfinished": Count(
            ANSWERS, filter=Q(**{f"{status}__in": [AnswerStatus.QUEUED, AnswerStatus.RUNNING]})
        ),
        f"{_PREFIX}failed": Count(ANSWERS, filter=Q(**{status: AnswerStatus.FAILED})),
        f"{_PREFIX}finished_at": Max(f"{ANSWERS}__finished_at"),
    }


def answers_of(row: object) -> DeliveryAnswers | None:
    """The answers of a delivery fetched with `answers_annotations()`; None when no import
    names it (a pipeline that does not echo the id, or none has arrived yet)."""
    count = int(getattr(row, f"{_PREFIX}count", 0) or 0)
    if not count:
        return None
    return DeliveryAnswers(
        count=count,
        unfinished=int(getattr(row, f"{_PREFIX}unfinished", 0) or 0),
        failed=int(getattr(row, f"{_PREFIX}failed", 0) or 0),
        last_finished_at=getattr(row, f"{_PREFIX}finished_at", None),
    )
