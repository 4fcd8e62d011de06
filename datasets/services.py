"""Writes for datasets, import configurations and import jobs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from datasets.importer import import_job_enqueue, spool_path, spool_request_body
from datasets.models import Dataset, DatasetColumn, ImportConfiguration, ImportJob
from integrations.models import ApiKey
from workspace.models import Workspace


class EmptyBody(Exception):
    pass


@transaction.atomic
def dataset_create(
    *, workspace: Workspace, name: str, columns: Sequence[tuple[str, str]]
) -> Dataset:
    """A dataset with its typed columns, in order. `columns` is [(name, kind), …]."""
    if not columns:
        raise ValidationError({"columns": "A dataset needs at least one column."})
    names = [column_name.strip().casefold() for column_name, _ in columns]
    if len(set(names)) != len(names):
        raise ValidationError({"columns": "Column names must differ (ignoring case)."})
    dataset = Dataset(workspace=workspace, name=name.strip())
    dataset.full_clean()
    dataset.save()
    for position, (column_name, kind) in enumerate(columns):
        column = DatasetColumn(
            dataset=dataset, name=column_name.strip(), kind=kind, position=position
        )
        column.full_clean()
        column.save()
    return dataset


def import_configuration_create(
    *, workspace: Workspace, name: str, dataset: Dataset, mode: str
) -> ImportConfiguration:
    if dataset.workspace_id != workspace.pk:
        raise ValidationError({"dataset": "Choose a dataset of this workspace."})
    configuration = ImportConfiguration(
        workspace=workspace, name=name.strip(), dataset=dataset, mode=mode
    )
    configuration.full_clean()
    configuration.save()
    return configuration


def import_job_receive(
    *, configuration: ImportConfiguration, api_key: ApiKey, body: BinaryIO, max_bytes: int
) -> ImportJob:
    """Spool an uploaded CSV, record the job as queued and hand it to the runner.

    Raises BodyTooLarge past `max_bytes` and EmptyBody for an empty upload; neither leaves a job.
    """
    job_id = uuid.uuid4()
    if spool_request_body(stream=body, job_id=job_id, max_bytes=max_bytes) == 0:
        spool_path(job_id).unlink(missing_ok=True)
        raise EmptyBody
    job = ImportJob(
        id=job_id,
        workspace_id=configuration.workspace_id,
        configuration=configuration,
        api_key=api_key,
    )
    try:
        job.full_clean()
        job.save(force_insert=True)
    except BaseException:
        spool_path(job_id).unlink(missing_ok=True)
        raise
    import_job_enqueue(job_id=job.id)
    return job
