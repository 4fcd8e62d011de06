"""Fixtures for the import API: a forecast dataset in Acme, its configuration, and keys."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from datasets.models import Dataset, DatasetRow, ImportConfiguration
from datasets.services import dataset_create, import_configuration_create
from integrations.models import ApiKey
from integrations.services.api_keys import api_key_create

PUSH_URL = "/api/v1/import/push/csv"
GOOD_CSV = b"month,region,revenue\n2030-01-01,North,1200.50\n2030-02-01,South,980\n"


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    # Run each import inside the request, so a test sees its outcome right after the 202.
    settings.IMPORT_RUN_INLINE = True
    settings.IMPORT_SPOOL_DIR = str(tmp_path / "spool")
    settings.DEMO_PIPELINE_CONFIG = str(tmp_path / "demo_pipeline.json")


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
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
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
