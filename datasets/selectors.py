"""Reads for datasets and imports, scoped to a workspace."""

from __future__ import annotations

import uuid

from django.db.models import Count, QuerySet

from datasets.models import Dataset, ImportConfiguration, ImportJob
from workspace.models import Workspace

RECENT_IMPORTS = 10


def dataset_list(*, workspace: Workspace) -> QuerySet[Dataset]:
    return (
        Dataset.objects.filter(workspace=workspace)
        .annotate(row_count=Count("rows"))
        .prefetch_related("columns")
    )


def import_configuration_list(*, workspace: Workspace) -> QuerySet[ImportConfiguration]:
    return ImportConfiguration.objects.filter(workspace=workspace).select_related("dataset")


def import_job_recent(*, workspace: Workspace) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(workspace=workspace).select_related(
        "configuration", "configuration__dataset"
    )[:RECENT_IMPORTS]


def import_configuration_get(*, configuration_id: int) -> ImportConfiguration | None:
    """Any workspace's configuration: the API tells "not yours" (403) from "no such" (404)."""
    return ImportConfiguration.objects.select_related("dataset").filter(pk=configuration_id).first()


def import_job_get(*, workspace: Workspace, import_id: uuid.UUID) -> ImportJob | None:
    return ImportJob.objects.filter(workspace=workspace, pk=import_id).first()
