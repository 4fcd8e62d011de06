"""seed_demo wires the forecast loop on the Sales Forecast board, and can be run again."""

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from boards.models import Board, Widget
from datasets.models import ApiKey, Dataset, ImportConfiguration
from integrations.models import Connection
from tests.datasets.conftest import push
from workspace.models import Application

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(django_capture_on_commit_callbacks, settings):
    settings.DEMO_PIPELINE_PORT = 8765

    def run() -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", password="demo-password-1", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def allow_local_pipeline(settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True


def pipeline_file(settings) -> dict:
    return json.loads(Path(settings.DEMO_PIPELINE_CONFIG).read_text())


def board_widgets() -> dict[str, Widget]:
    board = Board.objects.get(name="Sales Forecast")
    return {widget.kind: widget for widget in board.widgets.all()}


def test_it_wires_the_forecast_loop_on_the_sales_board(seed, allow_local_pipeline, settings):
    seed()
    dataset = Dataset.objects.get(workspace__name="Acme", name="Revenue forecast")
    assert [(c.name, c.kind) for c in dataset.columns.all()] == [
        ("month", "date"),
        ("region", "text"),
        ("revenue", "number"),
    ]
    assert dataset.rows.count() == 24 and dataset.version == 1
    configuration = ImportConfiguration.objects.get(dataset=dataset)
    assert configuration.mode == "replace"

    stored = pipeline_file(settings)
    key = ApiKey.objects.get(name="Demo pipeline")
    assert key.key_type == "import"
    assert key.key_hash == hashlib.sha256(stored["apiKey"].encode()).hexdigest()
    assert stored["configurationId"] == configuration.pk
    assert stored["pipelineUrl"] == "http://127.0.0.1:8765/"
    assert Path(settings.DEMO_PIPELINE_CONFIG).stat().st_mode & 0o077 == 0

    connection = Connection.objects.get(name="Forecast pipeline")
    assert connection.url == "http://127.0.0.1:8765/"
    assert json.loads(connection.body) == {"scenario": "base"}
    assert list(connection.applications.values_list("name", flat=True)) == ["Sales Planning"]

    widgets = board_widgets()
    assert widgets["action"].button_label == "Refresh forecast"
    assert widgets["action"].connection == connection
    assert widgets["table"].dataset == dataset
    assert (widgets["kpi"].dataset, widgets["kpi"].kpi_column, widgets["kpi"].kpi_aggregate) == (
        dataset,
        "revenue",
        "sum",
    )


def test_it_writes_a_key_that_the_import_api_accepts(seed, allow_local_pipeline, settings):
    seed()
    stored = pipeline_file(settings)
    body = b"month,region,revenue\n2031-01-01,North,10\n"
    response = push(Client(), stored["apiKey"], body, stored["configurationId"])
    assert response.status_code == 202
    assert Dataset.objects.get(name="Revenue forecast").rows.count() == 1


def test_it_is_idempotent_and_keeps_a_working_key(seed, allow_local_pipeline, settings):
    seed()
    first_file = pipeline_file(settings)
    counts = (Widget.objects.count(), Connection.objects.count(), ApiKey.objects.count())
    layout_version = Board.objects.get(name="Sales Forecast").layout_version
    seed()
    assert pipeline_file(settings) == first_file
    assert (Widget.objects.count(), Connection.objects.count(), ApiKey.objects.count()) == counts
    assert Board.objects.get(name="Sales Forecast").layout_version == layout_version
    assert Dataset.objects.get(name="Revenue forecast").version == 1


def test_it_replaces_the_key_when_the_file_is_lost(seed, allow_local_pipeline, settings):
    seed()
    old_hash = ApiKey.objects.get(name="Demo pipeline").key_hash
    Path(settings.DEMO_PIPELINE_CONFIG).unlink()
    output = seed()
    assert "Import key for the demo pipeline written to" in output
    key = ApiKey.objects.get(name="Demo pipeline")
    assert key.key_hash != old_hash
    assert key.key_hash == hashlib.sha256(pipeline_file(settings)["apiKey"].encode()).hexdigest()


def test_it_skips_the_connection_with_a_warning_when_localhost_is_not_allowed(seed, settings):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_ALLOW_HTTP = False
    output = seed()
    assert "Skipped the “Forecast pipeline” connection" in output
    assert "OUTBOUND_ALLOWLIST=127.0.0.1" in output
    assert not Connection.objects.exists()
    assert set(board_widgets()) == {"table", "kpi"}

    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    seed()
    assert set(board_widgets()) == {"action", "table", "kpi"}


def test_it_shares_the_forecast_with_sales_planning_and_shows_its_kpi(seed, allow_local_pipeline):
    seed()
    dataset = Dataset.objects.get(name="Revenue forecast")
    assert list(dataset.applications.values_list("name", flat=True)) == ["Sales Planning"]
    # The seeded rows came through the importer, so the KPI's figures are stored with them.
    revenues = [row["revenue"] for row in dataset.rows.values_list("values", flat=True)]
    stats = dataset.column_stats["columns"]["revenue"]
    assert (stats["count"], int(stats["sum"])) == (24, sum(revenues))

    client = Client()
    client.force_login(User.objects.get(username="viewer"))
    board = Board.objects.get(name="Sales Forecast")
    html = client.get(reverse("boards:detail", args=[board.pk])).content.decode()
    assert f'data-testid="kpi-value">{sum(revenues):,}</p>' in html
    assert "This data is not shared with this application." not in html


def test_it_shares_a_forecast_seeded_before_access_rules(seed, allow_local_pipeline):
    seed()
    dataset = Dataset.objects.get(name="Revenue forecast")
    workforce = Application.objects.get(name="Workforce")
    dataset.applications.set([workforce])
    seed()
    assert sorted(dataset.applications.values_list("name", flat=True)) == [
        "Sales Planning",
        "Workforce",
    ]
