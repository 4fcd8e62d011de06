"""API keys moved from integrations to datasets (datasets/migrations/0006, integrations/0006):
keys made before the move, and the import jobs that name them, must keep working after it.

The database is taken back to just before the move, keys and a job are written there through
the historical models, and then it is migrated forward again, as `migrate` does on a deploy.
"""

import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from datasets.api_key_services import api_key_authenticate
from datasets.models import ApiKey, ImportJob

BEFORE_THE_MOVE = [
    ("datasets", "0005_dataset_row_generations_import_delivery"),
    ("integrations", "0005_delivery_last_run_indexes"),
]
IMPORT_KEY = "sb_0a1b2c3d_made-before-the-move-import"
EXPORT_KEY = "sb_4e5f6a7b_made-before-the-move-export"


def migrate_to(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    # A fresh loader: the graph as the database now stands.
    return MigrationExecutor(connection)


@pytest.fixture
def before_the_move():
    """The database as it was before the move, then migrated to the latest state again (also
    when the test fails, so the tests after it find the schema they expect)."""
    executor = migrate_to(BEFORE_THE_MOVE)
    try:
        yield executor.loader.project_state(BEFORE_THE_MOVE).apps
    finally:
        latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
        migrate_to(latest)


def made_before_the_move(apps) -> dict[str, int]:
    Workspace = apps.get_model("workspace", "Workspace")
    OldApiKey = apps.get_model("integrations", "ApiKey")
    Dataset = apps.get_model("datasets", "Dataset")
    ImportConfiguration = apps.get_model("datasets", "ImportConfiguration")
    OldImportJob = apps.get_model("datasets", "ImportJob")

    acme = Workspace.objects.create(name="Acme")
    keys = {}
    for raw_key, key_type in [(IMPORT_KEY, "import"), (EXPORT_KEY, "export")]:
        keys[key_type] = OldApiKey.objects.create(
            workspace=acme,
            name=f"Pipeline {key_type}",
            key_type=key_type,
            prefix=raw_key.split("_")[1],
            key_hash=hashlib.sha256(raw_key.encode()).hexdigest(),
            expires_on="2999-01-01",
        ).pk
    dataset = Dataset.objects.create(workspace=acme, name="Revenue forecast")
    configuration = ImportConfiguration.objects.create(
        workspace=acme, name="Forecast push", dataset=dataset, mode="replace"
    )
    job = OldImportJob.objects.create(
        workspace=acme, configuration=configuration, api_key_id=keys["import"]
    )
    return {"import_key": keys["import"], "export_key": keys["export"], "job": job.pk}


@pytest.mark.django_db(transaction=True)
def test_a_key_made_before_the_move_authenticates_after_it(before_the_move):
    made = made_before_the_move(before_the_move)

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert api_key_authenticate(raw_key=IMPORT_KEY, key_type="import").pk == made["import_key"]
    response = Client().get("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {EXPORT_KEY}")
    assert response.status_code == 200
    assert [entry["name"] for entry in response.json()["datasets"]] == ["Revenue forecast"]
    # The job still names the key it was pushed with.
    assert ImportJob.objects.get(pk=made["job"]).api_key_id == made["import_key"]


@pytest.mark.django_db(transaction=True)
def test_the_table_and_its_rows_stay_where_they_were(before_the_move):
    made = made_before_the_move(before_the_move)

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert ApiKey._meta.db_table == "integrations_apikey"
    assert "integrations_apikey" in connection.introspection.table_names()
    assert set(ApiKey.objects.values_list("pk", flat=True)) == {
        made["import_key"],
        made["export_key"],
    }
    # The admin's permissions and history follow the model to its new app.
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(ApiKey).app_label == "datasets"
