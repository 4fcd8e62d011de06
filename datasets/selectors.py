"""Reads for datasets and imports, scoped to a workspace."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from datasets.errors import ConfigurationNotFound, ConfigurationOfAnotherWorkspace
from datasets.models import Dataset, DatasetRow, ImportConfiguration, ImportJob
from integrations.models import ApiKey
from workspace.models import Application, Workspace
from workspace.selectors import workspace_for_admin

if TYPE_CHECKING:  # for the annotation only: datasets does not import boards
    from boards.models import Widget

RECENT_IMPORTS = 10


def dataset_list(*, workspace: Workspace) -> QuerySet[Dataset]:
    # Row counts come from the statistics (Dataset.row_count): counting rows reads them all.
    return Dataset.objects.filter(workspace=workspace).prefetch_related(
        "columns", Prefetch("applications", queryset=Application.objects.order_by("name"))
    )


def dataset_rows_visible(*, dataset: Dataset) -> QuerySet[DatasetRow]:
    """The dataset's rows, in order: those of its current generation below its row end. Rows an
    unfinished import is writing are never among them (datasets.importer)."""
    return DatasetRow.objects.filter(
        dataset_id=dataset.pk, generation=dataset.row_generation, position__lt=dataset.row_end
    ).order_by("position")


def import_configuration_list(*, workspace: Workspace) -> QuerySet[ImportConfiguration]:
    return ImportConfiguration.objects.filter(workspace=workspace).select_related("dataset")


def import_job_recent(*, workspace: Workspace) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(workspace=workspace).select_related(
        "configuration", "configuration__dataset"
    )[:RECENT_IMPORTS]


def import_configuration_get_for_key(
    *, api_key: ApiKey, configuration_id: int
) -> ImportConfiguration:
    """The configuration an Import key may push to.

    Raises ConfigurationNotFound, or ConfigurationOfAnotherWorkspace: unlike the pages, the API
    tells "not yours" from "no such", so a client with the wrong key learns which key to use.
    """
    configuration = (
        ImportConfiguration.objects.select_related("dataset").filter(pk=configuration_id).first()
    )
    if configuration is None:
        raise ConfigurationNotFound(f"There is no import configuration {configuration_id}.")
    if configuration.workspace_id != api_key.workspace_id:
        raise ConfigurationOfAnotherWorkspace(
            "This import configuration belongs to another workspace."
        )
    return configuration


def import_job_get(*, workspace: Workspace, import_id: uuid.UUID) -> ImportJob | None:
    """The job as it stands. One whose worker was lost is run again by the sweep
    (datasets.import_runner), so "running" always ends in a final answer."""
    return ImportJob.objects.filter(workspace=workspace, pk=import_id).first()


def dataset_get_for_admin(*, user: User, dataset_id: int) -> Dataset:
    """The dataset if `user` administers its workspace; otherwise 404, as if it did not exist."""
    workspace = workspace_for_admin(user=user)
    return get_object_or_404(Dataset.objects.filter(workspace=workspace), pk=dataset_id)


def import_configuration_get_for_admin(*, user: User, configuration_id: int) -> ImportConfiguration:
    workspace = workspace_for_admin(user=user)
    return get_object_or_404(
        ImportConfiguration.objects.filter(workspace=workspace).select_related("dataset"),
        pk=configuration_id,
    )


def dataset_widget_list(*, dataset: Dataset) -> QuerySet[Widget]:
    """The board widgets showing this dataset (through the reverse relation: datasets does not
    import boards)."""
    return dataset.widgets.select_related("board", "board__application").order_by(
        "board__application__name", "board__name", "position", "pk"
    )
