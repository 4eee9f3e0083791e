"""`/metrics` exposes every documented metric, and the metrics move when the service works."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from signoff import config as config_mod
from signoff.observability import documented_metrics
from signoff.stack.interface import StackHandle
from suites.conftest import Api, Samples, exposed_names, scrape, total


def test_every_documented_metric_is_exposed(warm: Samples, pytestconfig: pytest.Config) -> None:
    cfg = config_mod.load(Path(str(pytestconfig.rootpath)))
    documented = documented_metrics(cfg.observability.documented_metrics)
    exposed = exposed_names(warm)
    missing = [n for n in documented if not {n, f"{n}_bucket", f"{n}_count"} & exposed]
    assert not missing, f"/metrics does not expose the documented metric(s): {', '.join(missing)}"


def test_a_request_raises_the_request_counter(api: Api, anon: httpx.Client) -> None:
    name = "ledger_http_requests_total"
    labels = {"method": "GET", "route": "/api/v1/jobs", "status": "200"}
    before = total(scrape(anon), name, **labels)
    for _ in range(3):
        api.ok(api.client.get("/api/v1/jobs"), 200)
    after = total(scrape(anon), name, **labels)
    assert after - before == 3, f"{name}{labels} moved by {after - before}, expected 3"


def test_repeated_summary_reads_raise_cache_hits(
    api: Api, anon: httpx.Client, warm: Samples
) -> None:
    job = api.fixture_job("cache hits")
    api.wait_run(api.start_run(job["id"]))
    url = f"/api/v1/jobs/{job['id']}/summary"
    api.ok(api.client.get(url), 200)  # fills the cache
    before = scrape(anon)
    for _ in range(3):
        assert api.ok(api.client.get(url), 200)["job_id"] == job["id"]
    after = scrape(anon)
    hits = total(after, "ledger_cache_hits_total") - total(before, "ledger_cache_hits_total")
    assert hits >= 3, f"three repeated summary reads raised ledger_cache_hits_total by {hits:g}"


def test_a_run_raises_the_run_counter_and_fills_its_histogram(
    api: Api, anon: httpx.Client, warm: Samples
) -> None:
    job = api.fixture_job("run metrics")
    before = scrape(anon)
    run = api.wait_run(api.start_run(job["id"]))
    assert run["status"] == "completed", run
    after = scrape(anon)
    runs = "ledger_reconciliation_runs_total"
    hist = "ledger_reconciliation_run_duration_seconds_count"
    moved = total(after, runs, status="completed") - total(before, runs, status="completed")
    filled = total(after, hist) - total(before, hist)
    assert moved == 1, f"{runs}{{status='completed'}} moved by {moved:g} for one run"
    assert filled == 1, f"{hist} moved by {filled:g} for one run"


def test_metrics_endpoint_is_public_prometheus_text(stack: StackHandle) -> None:
    response = httpx.get(f"{stack.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain"), response.headers
