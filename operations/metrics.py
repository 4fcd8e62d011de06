"""The Prometheus metrics: one collector that reads the database at scrape time.

Many web and worker processes share the work, and a scrape reaches any one web process, so no
figure may live in a process's memory: every value is counted from the tables when scraped. The
registry is our own, without prometheus-client's default process and platform collectors, whose
figures would describe whichever web process happened to answer.

Delivery figures cover a window (the last hour) rather than all time: rows leave the table
(a deleted workspace takes its deliveries with it), and a counter read back from rows would then
go down, which Prometheus takes for a restart. So they are gauges, read as they are (no rate()).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from operations import selectors

WINDOW = timedelta(hours=1)
# Send duration buckets, in ms: from a quick answer to the 15 s overall deadline.
DURATION_BOUNDS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 15000]


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        since = now - WINDOW

        deliveries = GaugeMetricFamily(
            "switchboard_deliveries",
            "Deliveries (clicks and Tests) created in the last hour, by outcome and reason.",
            labels=["outcome", "reason"],
        )
        for outcome, reason, count in selectors.delivery_counts(since=since):
            deliveries.add_metric([outcome, reason], count)
        yield deliveries

        cumulative, count, total_ms = selectors.delivery_duration_histogram(
            since=since, bounds_ms=DURATION_BOUNDS_MS
        )
        buckets = [
            (floatToGoString(bound / 1000), n)
            for bound, n in zip(DURATION_BOUNDS_MS, cumulative, strict=True)
        ]
        yield HistogramMetricFamily(
            "switchboard_delivery_duration_seconds",
            "Send duration of the deliveries created in the last hour that made a call "
            "(a window, not a running total: read the buckets as they are).",
            buckets=[*buckets, ("+Inf", count)],
            sum_value=total_ms / 1000,
        )

        queue = GaugeMetricFamily(
            "switchboard_delivery_queue_depth",
            "Deliveries recorded but not finished: waiting for a slot (waiting) or being sent"
            " (sending).",
            labels=["state"],
        )
        for state, count in selectors.delivery_queue_depth(now=now).items():
            queue.add_metric([state], count)
        yield queue

        imports = GaugeMetricFamily(
            "switchboard_import_queue_depth",
            "Imports waiting for a worker (queued) or under way (running).",
            labels=["status"],
        )
        for status, count in selectors.import_queue_depth().items():
            imports.add_metric([status], count)
        yield imports

        ages = GaugeMetricFamily(
            "switchboard_worker_heartbeat_age_seconds",
            "Seconds since a worker last ran the heartbeat task beat sends to each queue every "
            "10 s (+Inf when none ever did).",
            labels=["queue"],
        )
        for queue_name in selectors.heartbeat_queues().values():
            age = selectors.worker_heartbeat_age(queue=queue_name)
            ages.add_metric([queue_name], float("inf") if age is None else age)
        yield ages


registry = CollectorRegistry()
registry.register(DatabaseCollector())


def metrics_render() -> bytes:
    """The metrics in Prometheus' text format (reads the database)."""
    return generate_latest(registry)
