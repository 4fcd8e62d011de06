"""The demo pipeline: a stand-in for a customer's own forecasting service.

`python manage.py run_demo_pipeline` starts it on its own port. It accepts the POST an Action
button sends (a JSON body such as {"scenario": "base"}), answers 202 at once, then computes a
revenue forecast and pushes it back through Switchboard's public import API.

It simulates a service *outside* Switchboard: it imports nothing from the app, knows Switchboard
only by its base URL, an Import API key and an import configuration id, and calls the API with
plain `requests`. That is also why it does not go through integrations.egress, which is for the
calls Switchboard itself makes.

Where the key comes from: DEMO_PIPELINE_API_KEY and DEMO_PIPELINE_CONFIGURATION_ID in the
environment if set, otherwise the JSON file `seed_demo` writes (var/demo_pipeline.json:
{"apiKey": …, "configurationId": …, "pipelineUrl": …}). It is read again on every run, so
re-seeding takes effect without a restart.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import requests

logger = logging.getLogger(__name__)

REGIONS = {"North": 120_000, "South": 95_000, "East": 80_000, "West": 105_000}
# Monthly growth per scenario.
SCENARIOS = {"base": 0.02, "optimistic": 0.05, "pessimistic": -0.015}
FORECAST_MONTHS = 6
MAX_REQUEST_BYTES = 16 * 1024
PUSH_TIMEOUT = (5, 60)
_QUERY_STRING = re.compile(r"\?[^\s'\"]*")


class PipelineNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class PipelineConfig:
    base_url: str
    api_key: str
    configuration_id: int


def load_config(*, base_url: str, config_file: Path) -> PipelineConfig:
    api_key = os.environ.get("DEMO_PIPELINE_API_KEY", "")
    configuration_id = os.environ.get("DEMO_PIPELINE_CONFIGURATION_ID", "")
    if not (api_key and configuration_id):
        try:
            stored = json.loads(config_file.read_text())
        except (OSError, ValueError) as error:
            raise PipelineNotConfigured(
                f"No key configured: set DEMO_PIPELINE_API_KEY and DEMO_PIPELINE_CONFIGURATION_ID, "
                f"or run `python manage.py seed_demo` to write {config_file} ({error})."
            ) from None
        api_key = api_key or stored.get("apiKey", "")
        configuration_id = configuration_id or stored.get("configurationId", "")
    if not api_key or not str(configuration_id).isdecimal():
        raise PipelineNotConfigured(f"{config_file} lacks apiKey or configurationId.")
    return PipelineConfig(
        base_url=base_url.rstrip("/"), api_key=api_key, configuration_id=int(configuration_id)
    )


def _month(start: date, offset: int) -> date:
    index = start.month - 1 + offset
    return date(start.year + index // 12, index % 12 + 1, 1)


def forecast_rows(
    *, scenario: str, start: date, rng: random.Random, months: int = FORECAST_MONTHS
) -> list[dict]:
    """Revenue per region for `months` months from `start`: growth by scenario, plus noise."""
    growth = SCENARIOS[scenario]
    rows = []
    for offset in range(months):
        for region, base in REGIONS.items():
            revenue = base * (1 + growth) ** offset * rng.uniform(0.94, 1.06)
            rows.append(
                {"month": _month(start, offset), "region": region, "revenue": round(revenue)}
            )
    return rows


def forecast_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "region", "revenue"])
    for row in rows:
        writer.writerow([row["month"].isoformat(), row["region"], row["revenue"]])
    return out.getvalue().encode("utf-8")


# Switchboard names the click each call was made for; pushing it back as ?deliveryId= ties the
# results to that click (the board then says "results arrived 3.2 s later").
DELIVERY_ID_HEADER = "Switchboard-Delivery-Id"


def push_csv(*, config: PipelineConfig, body: bytes, delivery_id: str = "") -> str:
    """POST the CSV to the import API, naming the click it answers; returns the import id."""
    params: dict[str, str | int] = {"configurationId": config.configuration_id}
    if delivery_id:
        params["deliveryId"] = delivery_id
    response = requests.post(
        f"{config.base_url}/api/v1/import/push/csv",
        params=params,
        data=body,
        headers={"Authorization": f"Bearer {config.api_key}", "Content-Type": "text/csv"},
        timeout=PUSH_TIMEOUT,
    )
    if response.status_code != HTTPStatus.ACCEPTED:
        raise RuntimeError(f"import API answered {response.status_code}: {response.text[:300]}")
    return response.json()["importId"]


@dataclass
class RunRecord:
    scenario: str
    delivery_id: str = ""  # the Switchboard-Delivery-Id of the call that started it
    done: threading.Event = field(default_factory=threading.Event)
    import_id: str | None = None
    error: str | None = None


class PipelineServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, base_url: str, config_file: Path) -> None:
        super().__init__(address, PipelineRequestHandler)
        self.base_url = base_url
        self.config_file = config_file
        self.runs: list[RunRecord] = []
        self.rng = random.Random()  # noqa: S311 - demo numbers, not secrets

    def start_run(self, scenario: str, *, delivery_id: str = "") -> RunRecord:
        record = RunRecord(scenario=scenario, delivery_id=delivery_id)
        self.runs.append(record)
        threading.Thread(target=self._run, args=(record,), daemon=True).start()
        return record

    def _run(self, record: RunRecord) -> None:
        try:
            config = load_config(base_url=self.base_url, config_file=self.config_file)
            today = date.today()
            rows = forecast_rows(scenario=record.scenario, start=_month(today, 1), rng=self.rng)
            record.import_id = push_csv(
                config=config, body=forecast_csv(rows), delivery_id=record.delivery_id
            )
            logger.info(
                "Pushed %s forecast (%d rows): import %s",
                record.scenario,
                len(rows),
                record.import_id,
            )
        except Exception as error:  # a demo service logs and carries on
            record.error = str(error)
            logger.warning("Forecast run failed: %s", error)
        finally:
            record.done.set()


class PipelineRequestHandler(BaseHTTPRequestHandler):
    server: PipelineServer
    server_version = "DemoPipeline/1.0"

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "request too large"})
            return
        raw = self.rfile.read(length) if length else b""
        try:
            payload = json.loads(raw) if raw.strip() else {}
        except ValueError:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is not JSON"})
            return
        scenario = payload.get("scenario", "base") if isinstance(payload, dict) else None
        if scenario not in SCENARIOS:
            choices = ", ".join(SCENARIOS)
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"scenario must be one of: {choices}"})
            return
        # Echoed as it came: the import API says so if it is not a delivery id.
        delivery_id = self.headers.get(DELIVERY_ID_HEADER, "").strip()
        self.server.start_run(scenario, delivery_id=delivery_id)
        self._json(HTTPStatus.ACCEPTED, {"accepted": True, "scenario": scenario})

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        last = self.server.runs[-1] if self.server.runs else None
        self._json(
            HTTPStatus.OK,
            {
                "service": "demo pipeline",
                "lastRun": last
                and {"scenario": last.scenario, "importId": last.import_id, "error": last.error},
            },
        )

    def _json(self, status: HTTPStatus, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path only: a query string may carry a token the caller put there.
        path = urlsplit(getattr(self, "path", "") or "").path
        logger.info("%s %s %s %s", self.address_string(), self.command or "-", path or "-", code)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server API
        # Error messages quote the raw request line, so strip query strings from them too.
        message = _QUERY_STRING.sub("", format % args)
        logger.info("%s %s", self.address_string(), message)
