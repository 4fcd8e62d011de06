"""Reads for datasets and imports, scoped to a workspace."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from datasets.errors import (
    ConfigurationNotFound,
    ConfigurationOfAnotherWorkspace,
    DatasetNotFound,
    DatasetOfAnotherWorkspace,
    UnknownDelivery,
)
from datasets.models import ApiKey, Dataset, DatasetRow, ImportConfiguration, ImportJob
from integrations.models import Delivery
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


def import_job_recent(
    *, workspace: Workspace, import_id: uuid.UUID | None = None
) -> QuerySet[ImportJob]:
    """The newest imports (or only `import_id`), each with the click it answers and who made
    it: the list says "answers Refresh forecast click by erin at 14:02 UTC"."""
    jobs = ImportJob.objects.filter(workspace=workspace)
    if import_id is not None:
        jobs = jobs.filter(pk=import_id)
    return jobs.select_related(
        "configuration", "configuration__dataset", "delivery", "delivery__user"
    ).defer("delivery__response_excerpt")[:RECENT_IMPORTS]


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


def dataset_get_for_key(*, api_key: ApiKey, dataset_id: int) -> Dataset:
    """The dataset a key may read. Raises DatasetNotFound or DatasetOfAnotherWorkspace (told
    apart, as for import configurations, so a client learns which key it needs)."""
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        raise DatasetNotFound(f"There is no dataset {dataset_id}.")
    if dataset.workspace_id != api_key.workspace_id:
        raise DatasetOfAnotherWorkspace("This dataset belongs to another workspace.")
    return dataset


def import_job_of_dataset(*, dataset: Dataset, import_id: uuid.UUID) -> ImportJob | None:
    return ImportJob.objects.filter(pk=import_id, configuration__dataset_id=dataset.pk).first()


@dataclass(frozen=True)
class CatalogueEntry:
    dataset: Dataset  # with its columns and import configurations prefetched
    last_import: ImportJob | None


def dataset_catalogue(*, workspace: Workspace) -> list[CatalogueEntry]:
    """Every dataset of the workspace with its columns, import configurations and last import,
    in four queries whatever their number."""
    last_import_id = (
        ImportJob.objects.filter(configuration__dataset_id=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    datasets = (
        Dataset.objects.filter(workspace=workspace)
        .annotate(last_import_id=Subquery(last_import_id))
        .prefetch_related("columns", "import_configurations")
    )
    pairs = [(dataset, getattr(dataset, "last_import_id", None)) for dataset in datasets]
    wanted = [job_id for _, job_id in pairs if job_id]
    jobs = {job.pk: job for job in ImportJob.objects.filter(pk__in=wanted)} if wanted else {}
    return [
        CatalogueEntry(dataset, jobs.get(job_id) if job_id else None) for dataset, job_id in pairs
    ]


def delivery_get_for_key(*, api_key: ApiKey, delivery_id: uuid.UUID) -> Delivery:
    """The call (click or Test) of the key's workspace whose Switchboard-Delivery-Id is
    `delivery_id`, which an import pushed with ?deliveryId= answers. Raises UnknownDelivery for
    an id of no call, or of another workspace's: the two read the same, so a key learns nothing
    about other workspaces."""
    delivery = (
        Delivery.objects.filter(workspace_id=api_key.workspace_id, idempotency_key=delivery_id)
        .only("pk", "workspace_id", "idempotency_key")
        .first()
    )
    if delivery is None:
        raise UnknownDelivery(
            f"No call of this workspace was sent with Switchboard-Delivery-Id {delivery_id}: "
            "echo the header of the call this import answers, or leave deliveryId out. "
            "Nothing was stored."
        )
    return delivery


def import_job_delivery_id(*, job: ImportJob) -> str | None:
    """The Switchboard-Delivery-Id of the call `job` answers, or None (it named none, or that
    call's record has since been deleted). Reads the one column: the rest may be encrypted."""
    if job.delivery_id is None:
        return None
    key = Delivery.objects.filter(pk=job.delivery_id).values_list("idempotency_key", flat=True)
    found = key.first()
    return str(found) if found is not None else None
