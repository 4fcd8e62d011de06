"""Writes for datasets, import configurations and import jobs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.celery import enqueue_after_commit
from datasets.errors import BodyRefused, ImportRefused, LengthRequired
from datasets.import_storage import (
    BodyTooLarge,
    ByteStream,
    EmptyBody,
    import_upload_delete,
    import_upload_store,
)
from datasets.models import (
    ApiKey,
    Dataset,
    DatasetColumn,
    DatasetRow,
    ImportConfiguration,
    ImportJob,
)
from datasets.selectors import (
    dataset_rows_visible,
    delivery_get_for_key,
    import_configuration_get_for_key,
)
from datasets.stats import stats_from_rows
from datasets.tasks import import_job_run_task
from datasets.validators import column_set_errors, validate_column_name
from integrations.models import Delivery
from workspace.models import Application, Workspace

MAX_COLUMNS = 100


@transaction.atomic
def dataset_create(
    *,
    workspace: Workspace,
    name: str,
    columns: Sequence[tuple[str, str]],
    applications: Iterable[Application] = (),
) -> Dataset:
    """A dataset with its typed columns, in order. `columns` is [(name, kind), …];
    `applications` are those whose boards may show it.

    Raises ValidationError keyed "name", "columns" and/or "applications", listing every problem
    at once; nothing is saved then.
    """
    errors: dict[str, list[ValidationError]] = {}
    dataset = Dataset(workspace=workspace, name=name.strip())
    name_errors = _dataset_name_errors(dataset)
    if name_errors:
        errors["name"] = name_errors
    column_errors = _column_errors(columns)
    if column_errors:
        errors["columns"] = column_errors
    applications = list(applications)
    application_errors = _application_errors(workspace, applications)
    if application_errors:
        errors["applications"] = application_errors
    if errors:
        raise ValidationError(errors)
    dataset.full_clean()
    dataset.save()
    dataset.applications.set(applications)
    for position, (column_name, kind) in enumerate(columns):
        column = DatasetColumn(
            dataset=dataset, name=column_name.strip(), kind=kind, position=position
        )
        column.full_clean()
        column.save()
    return dataset


def _application_errors(
    workspace: Workspace, applications: Sequence[Application]
) -> list[ValidationError]:
    if any(application.workspace_id != workspace.pk for application in applications):
        return [
            ValidationError("Choose applications of your own workspace.", code="invalid_choice")
        ]
    return []


@transaction.atomic
def dataset_access_update(*, dataset: Dataset, applications: Iterable[Application]) -> None:
    """Which applications' boards may show the dataset. Raises ValidationError keyed
    "applications" for another workspace's application; nothing changes then."""
    applications = list(applications)
    errors = _application_errors(dataset.workspace, applications)
    if errors:
        raise ValidationError({"applications": errors})
    dataset.applications.set(applications)
    # Open boards redraw their data widgets when a version moves: a board that just lost
    # access stops showing the rows without a reload.
    Dataset.objects.filter(pk=dataset.pk).update(version=F("version") + 1)
    dataset.refresh_from_db(fields=["version"])


@transaction.atomic
def dataset_stats_recompute(*, dataset: Dataset) -> None:
    """Take in rows written some other way than an import (seeding, the Django admin, a
    benchmark) and recompute `column_stats` from the dataset's rows. The importer keeps both
    current on its own; this reads every row, so it suits small datasets.

    Rows of the dataset's current generation become its rows: `row_end` moves to just past the
    last of them, so a row added at the end shows and one deleted at the end is forgotten.
    While an import of the dataset is queued or running the end stays put: rows past it may be
    that import's, not yet (or never to be) shown.
    """
    # Locked like an import showing its rows: the window cannot move between reading and storing.
    window = Dataset.objects.select_for_update().only("row_generation", "row_end")
    locked = window.get(pk=dataset.pk)
    dataset.row_generation, dataset.row_end = locked.row_generation, locked.row_end
    if not _import_unfinished(dataset):
        last = (
            DatasetRow.objects.filter(dataset_id=dataset.pk, generation=dataset.row_generation)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        dataset.row_end = 0 if last is None else last + 1
    columns = [(column.name, column.kind) for column in dataset.columns.order_by("position", "id")]
    rows = dataset_rows_visible(dataset=dataset).values_list("values", flat=True)
    dataset.column_stats = stats_from_rows(columns, rows.iterator(chunk_size=2000))
    Dataset.objects.filter(pk=dataset.pk).update(
        column_stats=dataset.column_stats, row_end=dataset.row_end
    )


def _import_unfinished(dataset: Dataset) -> bool:
    unfinished = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    return ImportJob.objects.filter(
        configuration__dataset_id=dataset.pk, status__in=unfinished
    ).exists()


@transaction.atomic
def dataset_rows_changed(*, dataset: Dataset) -> None:
    """After rows were written outside an import: the rows taken in, fresh statistics, and a new
    version and update time so open boards redraw."""
    dataset_stats_recompute(dataset=dataset)
    Dataset.objects.filter(pk=dataset.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    dataset.refresh_from_db(fields=["version", "updated_at"])


def _dataset_name_errors(dataset: Dataset) -> list[ValidationError]:
    if not dataset.name:
        return [ValidationError("Give the dataset a name.", code="required")]
    # Case-insensitive: two datasets told apart only by case are easy to mix up on a board.
    taken = Dataset.objects.filter(workspace_id=dataset.workspace_id, name__iexact=dataset.name)
    if taken.exists():
        return [
            ValidationError(
                "This workspace already has a dataset named “%(name)s”; choose another name.",
                code="unique",
                params={"name": dataset.name},
            )
        ]
    try:
        dataset.full_clean(validate_constraints=False)
    except ValidationError as error:
        return error.error_dict.get("name", [])
    return []


def _column_errors(columns: Sequence[tuple[str, str]]) -> list[ValidationError]:
    if len(columns) > MAX_COLUMNS:
        return [ValidationError(f"A dataset can have at most {MAX_COLUMNS} columns.")]
    errors: list[ValidationError] = []
    kinds = ", ".join(str(label) for label in DatasetColumn.Kind.labels)
    for number, (column_name, kind) in enumerate(columns, start=1):
        label = f"Column {number}" + (f" “{column_name.strip()}”" if column_name.strip() else "")
        try:
            validate_column_name(column_name)
        except ValidationError as error:
            errors.extend(ValidationError(f"{label}: {message}") for message in error.messages)
        if kind not in DatasetColumn.Kind.values:
            errors.append(ValidationError(f"{label}: choose a type ({kinds})."))
    numbered = [(number, column_name) for number, (column_name, _) in enumerate(columns, start=1)]
    errors.extend(ValidationError(message) for message in column_set_errors(numbered))
    return errors


def import_configuration_create(
    *, workspace: Workspace, name: str, dataset: Dataset | None, mode: str
) -> ImportConfiguration:
    """Raises ValidationError keyed by field ("name", "dataset", "mode"); nothing is saved then."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the import configuration a name."]
    if dataset is None or dataset.workspace_id != workspace.pk:
        errors["dataset"] = ["Choose one of this workspace's datasets."]
    if mode not in ImportConfiguration.Mode.values:
        labels = " or ".join(f"“{label}”" for label in ImportConfiguration.Mode.labels)
        errors["mode"] = [f"Choose {labels}."]
    if errors:
        raise ValidationError(errors)
    configuration = ImportConfiguration(
        workspace=workspace, name=name.strip(), dataset=dataset, mode=mode
    )
    configuration.full_clean()
    configuration.save()
    return configuration


def import_configuration_delete(*, configuration: ImportConfiguration) -> None:
    """Its import history goes with it; clients pushing to its id get a 404 from then on."""
    configuration.delete()


@transaction.atomic
def dataset_delete(*, dataset: Dataset) -> None:
    """Rows, columns, import configurations and their history go with it. Board widgets showing
    it stay on their boards, empty, until someone points them at another dataset."""
    dataset.delete()


def import_job_receive(
    *, configuration: ImportConfiguration, api_key: ApiKey, body: ByteStream, max_bytes: int
) -> ImportJob:
    """Store an uploaded CSV, record the job as queued and hand its id to the workers.

    Raises BodyTooLarge past `max_bytes` and EmptyBody for an empty upload; neither leaves a job.
    """
    job_id = uuid.uuid4()
    upload_name = import_upload_store(stream=body, job_id=job_id, max_bytes=max_bytes)
    job = ImportJob(
        id=job_id,
        workspace_id=configuration.workspace_id,
        configuration=configuration,
        api_key=api_key,
        upload_name=upload_name,
    )
    try:
        job.full_clean()
        job.save(force_insert=True)
    except BaseException:
        import_upload_delete(upload_name)
        raise
    enqueue_after_commit(import_job_run_task, str(job.id))
    return job


def import_push_receive(
    *,
    api_key: ApiKey,
    configuration_id: int,
    body: ByteStream,
    content_length: str | None,
    transfer_encoding: str,
    content_type: str | None,
    max_bytes: int,
    delivery_id: str = "",
) -> ImportJob:
    """A pushed CSV for the configuration `configuration_id`, queued as an import job.

    `content_length`, `transfer_encoding` and `content_type` are the request's headers (None or
    "" when absent). `delivery_id`, when given, is the Switchboard-Delivery-Id of the call this
    import answers (a click or a Test of the key's workspace): the job then names that
    delivery. Raises an ImportRefused subclass saying what to fix; nothing is kept then.
    """
    configuration, delivery = push_checked(
        api_key=api_key,
        configuration_id=configuration_id,
        content_length=content_length,
        transfer_encoding=transfer_encoding,
        content_type=content_type,
        max_bytes=max_bytes,
        delivery_id=delivery_id,
    )
    with push_body_refusals(max_bytes):
        job = import_job_receive(
            configuration=configuration, api_key=api_key, body=body, max_bytes=max_bytes
        )
    if delivery is not None:
        # Set once the job is stored: wrapping the upload in a transaction would hold SQLite's
        # write lock while the body streams in. Only boards and the logs read the link, and
        # this is done before the client is answered.
        ImportJob.objects.filter(pk=job.pk).update(delivery=delivery)
        job.delivery = delivery
    return job


def push_checked(
    *,
    api_key: ApiKey,
    configuration_id: int,
    content_length: str | None,
    transfer_encoding: str,
    content_type: str | None,
    max_bytes: int,
    delivery_id: str,
) -> tuple[ImportConfiguration, Delivery | None]:
    """Everything a push (or its dry run) is refused for before its body is read: the
    configuration the key may push to, the request's headers, and the call it names, if any.
    Raises an ImportRefused subclass; an id that names no call stores nothing."""
    configuration = import_configuration_get_for_key(
        api_key=api_key, configuration_id=configuration_id
    )
    push_headers_check(content_length, transfer_encoding, content_type, max_bytes)
    return configuration, import_delivery_answered(api_key=api_key, delivery_id=delivery_id)


@contextmanager
def push_body_refusals(max_bytes: int) -> Iterator[None]:
    """Reading a pushed body: too large or empty becomes the answer the client gets."""
    try:
        yield
    except BodyTooLarge:
        raise push_too_large(max_bytes) from None
    except EmptyBody:
        raise BodyRefused(
            "The body is empty: send the CSV as the body.", status=400, code="bad_request"
        ) from None


_DELIVERY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def import_delivery_answered(*, api_key: ApiKey, delivery_id: str) -> Delivery | None:
    """The delivery an import names (its Switchboard-Delivery-Id), or None when it names none.
    Raises ImportRefused for an id that is not one (400 bad_request) and UnknownDelivery for
    one of no call of the key's workspace."""
    delivery_id = delivery_id.strip()
    if not delivery_id:
        return None
    if not _DELIVERY_ID.fullmatch(delivery_id):
        raise ImportRefused(
            "The deliveryId must be the UUID from the Switchboard-Delivery-Id header of the call "
            "this import answers (like 5b0bd6c3-8a4e-4a8e-9a53-3f1f1f2f9c11), or left out."
        )
    return delivery_get_for_key(api_key=api_key, delivery_id=uuid.UUID(delivery_id))


def push_headers_check(
    content_length: str | None, transfer_encoding: str, content_type: str | None, max_bytes: int
) -> None:
    if not (content_length or "").strip() and transfer_encoding.strip():
        # Without a Content-Length the server hands the application no body at all, so a
        # chunked upload would otherwise be refused as empty, which misleads.
        raise LengthRequired("Send the CSV with a Content-Length header (curl --data-binary does).")
    try:
        declared = int(content_length or 0)
    except ValueError:
        declared = 0  # nothing is read then either; the empty body is refused after
    if declared > max_bytes:
        raise push_too_large(max_bytes)
    if content_type == "multipart/form-data":
        raise BodyRefused(
            "Send the CSV itself as the body, not as a form upload.",
            status=415,
            code="unsupported_media_type",
        )


def push_too_large(max_bytes: int) -> BodyRefused:
    return BodyRefused(
        f"The CSV is larger than the limit of {max_bytes:,} bytes.", status=413, code="too_large"
    )
