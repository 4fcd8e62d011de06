"""Fixtures for the import API: a forecast dataset in Acme, its configuration, and keys."""

from __future__ import annotations

import datetime
import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from datasets.api_key_services import api_key_create
from datasets.import_storage import import_upload_store
from datasets.models import ApiKey, Dataset, DatasetRow, ImportConfiguration, ImportJob
from datasets.services import dataset_create, import_configuration_create

PUSH_URL = "/api/v1/import/push/csv"
GOOD_CSV = b"month,region,revenue\n2030-01-01,North,1200.50\n2030-02-01,South,980\n"


@pytest.fixture(autouse=True)
def _uploads_of_this_test(settings, tmp_path):
    # Tasks run eagerly (config/settings_test.py): a push runs its import before the 202, so a
    # test sees the outcome right away. Stored uploads go to a folder of this test's own.
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    settings.DEMO_PIPELINE_CONFIG = str(tmp_path / "demo_pipeline.json")


@pytest.fixture
def held_imports(monkeypatch) -> list[str]:
    """Pushes only queue their jobs (the ids sent to the workers are collected here), for tests
    that run or claim them step by step."""
    sent: list[str] = []
    monkeypatch.setattr(
        "datasets.services.enqueue_after_commit", lambda task, job_id: sent.append(job_id)
    )
    return sent


def stored_job(
    configuration: ImportConfiguration,
    body: bytes,
    *,
    status: str = ImportJob.Status.QUEUED,
    seconds_ago: float = 0,
    heartbeat_seconds_ago: float | None = None,
    attempts: int = 0,
) -> ImportJob:
    """A job as a push leaves it (its upload stored, nothing sent to a worker), or as a worker
    left it: `status`, created `seconds_ago`, last heartbeat `heartbeat_seconds_ago`."""
    job_id = uuid.uuid4()
    name = import_upload_store(stream=io.BytesIO(body), job_id=job_id, max_bytes=len(body))
    job = ImportJob.objects.create(
        id=job_id,
        workspace_id=configuration.workspace_id,
        configuration=configuration,
        status=status,
        upload_name=name,
        attempts=attempts,
    )
    now = timezone.now()
    beat = (
        None
        if heartbeat_seconds_ago is None
        else now - datetime.timedelta(seconds=heartbeat_seconds_ago)
    )
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=now - datetime.timedelta(seconds=seconds_ago),
        started_at=beat if status == ImportJob.Status.RUNNING else None,
        heartbeat_at=beat,
    )
    job.refresh_from_db()
    return job


@dataclass
class Forecast:
    dataset: Dataset
    configuration: ImportConfiguration
    import_key: str
    export_key: str

    def rows(self) -> list[dict]:
        return list(
            DatasetRow.objects.filter(dataset=self.dataset)
            .order_by("position")
            .values_list("values", flat=True)
        )


def make_key(workspace, key_type=ApiKey.KeyType.IMPORT, name="Pipeline", days=30) -> str:
    return api_key_create(
        workspace=workspace,
        name=name,
        key_type=key_type,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        created_by=None,
    ).secret


def push(
    client: Client,
    key: str | None,
    body: bytes,
    configuration_id: object,
    **extra,
):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post(
        f"{PUSH_URL}?configurationId={configuration_id}",
        data=body,
        content_type="text/csv",
        **headers,
        **extra,
    )


def status(client: Client, key: str, import_id: str):
    return client.get(f"/api/v1/import/{import_id}/status", HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def forecast(world) -> Forecast:
    dataset = dataset_create(
        workspace=world.acme,
        name="Revenue forecast",
        columns=[("month", "date"), ("region", "text"), ("Revenue", "number")],
    )
    configuration = import_configuration_create(
        workspace=world.acme, name="Forecast push", dataset=dataset, mode="replace"
    )
    return Forecast(
        dataset=dataset,
        configuration=configuration,
        import_key=make_key(world.acme),
        export_key=make_key(world.acme, ApiKey.KeyType.EXPORT, name="Reporting"),
    )
