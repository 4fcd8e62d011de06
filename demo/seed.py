"""The demo forecast's data side, for `seed_demo`: dataset, import configuration, Import key.

The key's secret exists only at creation, so it is handed to the demo pipeline through a small
JSON file (var/demo_pipeline.json by default, git-ignored, readable by its owner only). Seeding
again keeps the key while that file still holds a working one, and replaces both otherwise.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from datasets.api_key_services import (
    api_key_create,
    api_key_delete,
    api_key_hash,
    api_key_is_valid_today,
)
from datasets.importer import dataset_rows_import
from datasets.models import ApiKey, Dataset, DatasetColumn, ImportConfiguration
from datasets.selectors import dataset_rows_visible
from datasets.services import dataset_access_update, dataset_create, import_configuration_create
from demo.pipeline import forecast_csv, forecast_rows
from workspace.models import Application, Workspace

DATASET_NAME = "Revenue forecast"
APPLICATION_NAME = "Sales Planning"
CONFIGURATION_NAME = "Forecast pipeline push"
KEY_NAME = "Demo pipeline"
KEY_LIFETIME = datetime.timedelta(days=365)
COLUMNS = [
    ("month", DatasetColumn.Kind.DATE),
    ("region", DatasetColumn.Kind.TEXT),
    ("revenue", DatasetColumn.Kind.NUMBER),
]


@dataclass(frozen=True)
class DemoForecast:
    dataset: Dataset
    configuration: ImportConfiguration
    api_key: ApiKey
    key_replaced: bool


def demo_pipeline_config_file() -> Path:
    configured = getattr(settings, "DEMO_PIPELINE_CONFIG", "")
    return Path(configured) if configured else settings.BASE_DIR / "var" / "demo_pipeline.json"


def demo_pipeline_url() -> str:
    return f"http://127.0.0.1:{settings.DEMO_PIPELINE_PORT}/"


@transaction.atomic
def demo_forecast_ensure(*, workspace: Workspace, actor: User) -> DemoForecast:
    # The forecast's Table and KPI widgets sit on a Sales Planning board.
    sales = Application.objects.filter(workspace=workspace, name=APPLICATION_NAME).first()
    shared_with = [sales] if sales is not None else []
    dataset = Dataset.objects.filter(workspace=workspace, name=DATASET_NAME).first()
    if dataset is None:
        dataset = dataset_create(
            workspace=workspace, name=DATASET_NAME, columns=COLUMNS, applications=shared_with
        )
    elif sales is not None and not dataset.applications.filter(pk=sales.pk).exists():
        # Kept as granted by an admin since, plus the demo's own application.
        applications = [*dataset.applications.all(), sales]
        dataset_access_update(dataset=dataset, applications=applications)
    configuration = ImportConfiguration.objects.filter(
        workspace=workspace, name=CONFIGURATION_NAME
    ).first()
    if configuration is None:
        configuration = import_configuration_create(
            workspace=workspace,
            name=CONFIGURATION_NAME,
            dataset=dataset,
            mode=ImportConfiguration.Mode.REPLACE,
        )
    if not dataset_rows_visible(dataset=dataset).exists():
        # Fixed seed: a fresh demo shows the same starting numbers; clicks then change them.
        first_month = timezone.localdate().replace(day=1)
        rows = forecast_rows(scenario="base", start=first_month, rng=random.Random(2024))  # noqa: S311
        dataset_rows_import(configuration=configuration, csv_file=io.BytesIO(forecast_csv(rows)))
        dataset.refresh_from_db()

    api_key = _working_key(workspace=workspace, configuration=configuration)
    if api_key is not None:
        return DemoForecast(dataset, configuration, api_key, key_replaced=False)
    for old_key in ApiKey.objects.filter(workspace=workspace, name=KEY_NAME):
        api_key_delete(api_key=old_key, actor=actor)
    created = api_key_create(
        workspace=workspace,
        name=KEY_NAME,
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=timezone.localdate() + KEY_LIFETIME,
        created_by=actor,
    )
    contents = {
        "apiKey": created.secret,
        "configurationId": configuration.pk,
        "pipelineUrl": demo_pipeline_url(),
        "switchboardBaseUrl": settings.SWITCHBOARD_BASE_URL,
    }
    # Only once the key is committed: a rolled-back seed must not leave a file naming a dead key.
    transaction.on_commit(lambda: _write_config(contents))
    return DemoForecast(dataset, configuration, created.api_key, key_replaced=True)


def _working_key(*, workspace: Workspace, configuration: ImportConfiguration) -> ApiKey | None:
    """The key in the config file, if it still works for this workspace and configuration."""
    try:
        stored = json.loads(demo_pipeline_config_file().read_text())
        raw_key = stored["apiKey"]
        configuration_id = stored["configurationId"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if configuration_id != configuration.pk:
        return None
    api_key = (
        ApiKey.objects.filter(workspace=workspace, name=KEY_NAME, key_type=ApiKey.KeyType.IMPORT)
        .filter(key_hash=api_key_hash(str(raw_key)))
        .first()
    )
    if api_key is None or not api_key_is_valid_today(api_key=api_key):
        return None
    return api_key


def _write_config(contents: dict) -> None:
    path = demo_pipeline_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(contents, handle, indent=2)
    os.replace(temporary, path)
