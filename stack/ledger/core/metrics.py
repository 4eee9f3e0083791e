"""Prometheus metrics shared by the API and the worker (multiprocess-aware).

The multiprocess directory must be chosen before prometheus_client is first imported, which is
why this module sets PROMETHEUS_MULTIPROC_DIR from LEDGER_METRICS_DIR at import time.
"""

from __future__ import annotations

import os
import socket

if os.environ.get("LEDGER_METRICS_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["LEDGER_METRICS_DIR"]
    os.makedirs(os.environ["LEDGER_METRICS_DIR"], exist_ok=True)

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

__all__ = [
    "CACHE_HITS",
    "CACHE_MISSES",
    "CONTENT_TYPE_LATEST",
    "DB_POOL_CONNECTIONS",
    "DB_QUERY_DURATION",
    "DOCUMENTED_METRICS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_DURATION",
    "PROCESS_RSS",
    "RUNS",
    "RUN_DURATION",
    "WEBHOOK_DELIVERIES",
    "mark_process_dead",
    "render",
    "update_process_memory",
]


def process_identifier() -> str:
    # API and worker containers share the directory but both run as PID 1 in their own
    # namespaces: the host name keeps their files apart.
    return f"{socket.gethostname()}-{os.getpid()}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    values.ValueClass = values.MultiProcessValue(process_identifier)  # type: ignore[no-untyped-call]

# The public contract: stack/README.md lists the same names, and the observability suite checks
# that /metrics exposes each of them and that dashboards and alerts use nothing else.
DOCUMENTED_METRICS: tuple[str, ...] = (
    "ledger_http_requests_total",
    "ledger_http_request_duration_seconds",
    "ledger_cache_hits_total",
    "ledger_cache_misses_total",
    "ledger_db_query_duration_seconds",
    "ledger_reconciliation_runs_total",
    "ledger_reconciliation_run_duration_seconds",
    "ledger_webhook_deliveries_total",
    "ledger_db_pool_connections",
    "ledger_process_resident_memory_bytes",
)

HTTP_REQUESTS = Counter(
    "ledger_http_requests", "HTTP requests by route template.", ["method", "route", "status"]
)
HTTP_REQUEST_DURATION = Histogram(
    "ledger_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CACHE_HITS = Counter("ledger_cache_hits", "Summary cache hits.")
CACHE_MISSES = Counter("ledger_cache_misses", "Summary cache misses (including bypasses).")
DB_QUERY_DURATION = Histogram(
    "ledger_db_query_duration_seconds",
    "PostgreSQL statement latency.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
RUNS = Counter("ledger_reconciliation_runs", "Finished reconciliation runs.", ["status"])
RUN_DURATION = Histogram(
    "ledger_reconciliation_run_duration_seconds",
    "Time from claim to completion of a reconciliation run.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
WEBHOOK_DELIVERIES = Counter(
    "ledger_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"]
)
DB_POOL_CONNECTIONS = Gauge(
    "ledger_db_pool_connections",
    "Connection pool occupancy, summed over live processes.",
    ["state"],
    multiprocess_mode="livesum",
)
PROCESS_RSS = Gauge(
    "ledger_process_resident_memory_bytes",
    "Resident memory, summed over live service and worker processes.",
    multiprocess_mode="livesum",
)

# Pre-create the label sets so every family is visible from the first scrape.
for _status in ("completed", "failed"):
    RUNS.labels(_status)
for _outcome in ("delivered", "retrying", "failed"):
    WEBHOOK_DELIVERIES.labels(_outcome)
for _state in ("in_use", "idle", "max"):
    DB_POOL_CONNECTIONS.labels(_state)

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def update_process_memory() -> None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            rss_pages = int(fh.read().split()[1])
    except (OSError, IndexError, ValueError):
        return
    PROCESS_RSS.set(rss_pages * _PAGE_SIZE)


def render() -> bytes:
    """Exposition text for /metrics: every process's samples in multiprocess mode."""
    update_process_memory()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def mark_process_dead() -> None:
    """Drop this process's live gauges so livesum stops counting it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(process_identifier())  # type: ignore[no-untyped-call]
