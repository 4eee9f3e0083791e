"""The load layer against one shared embedded stack: the project's locustfile passes, tightened
budgets fail, workers merge, the built-in mix reads a read-only deployment, no target."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider

pytestmark = pytest.mark.stack

SHORT = [{"phase": "steady", "duration_s": 6.0, "users": 10, "spawn_rate": 10.0}]
# Enough requests for every default budget to be decided on its interval: a p99 or an error
# rate of at most 1 % cannot be shown met with fewer than 368 (docs/load.md).
ENOUGH = [{"phase": "steady", "duration_s": 10.0, "users": 50, "spawn_rate": 50.0}]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackHandle]:
    logs = tmp_path_factory.mktemp("load-stack")
    with choose_provider(config.load(), logs, "local") as handle:
        yield handle


def _run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    handle: StackHandle,
    load: dict[str, Any],
    base_url: str | None = None,
    writes: bool = True,
) -> LayerRecord:
    cfg = config.load(
        overrides={"load": {"min_samples": 10, **load}, "stack": {"url_writes": writes}}
    )
    monkeypatch.setenv(cfg.target.auth.token_env, handle.token)
    monkeypatch.setenv("LEDGER_LOAD_SEED_JOBS", "1")  # the project's locustfile seeds one job
    ctx = LayerContext(tmp_path, cfg, "pr", ["smoke"], "url", base_url or handle.base_url, "load")
    return run_layer(ctx)


def test_short_smoke_passes_its_default_budgets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: StackHandle
) -> None:
    record = _run(tmp_path, monkeypatch, live, {"profiles": {"smoke": {"pr": ENOUGH}}})
    assert record.status is Status.PASS, record.reasons
    assert record.figures["traffic"] == "read-write"
    endpoints = record.figures["profiles"]["smoke"]["phases"]["steady"]["endpoints"]
    assert endpoints["all"]["count"] > 20
    assert "busy" in record.figures["profiles"]["smoke"]["phases"]["steady"]["machine"]
    # the project's locustfile ran: its operators write, its readers read the seeded job
    assert "POST /api/v1/jobs" in endpoints
    assert "GET /api/v1/jobs/{job_id}/summary" in endpoints
    assert "mix" not in record.figures
    assert record.figures["profiles"]["smoke"]["server"]["run"]["server_requests"] > 0
    for key in ("samples_json", "throughput_json", "smoke_latency_png", "smoke_hdr_logs"):
        assert (tmp_path / record.artifacts[key]).exists(), key
    assert any((tmp_path / record.artifacts["smoke_hdr_logs"]).rglob("*.hlog"))


def test_a_budget_below_the_measured_figure_fails_naming_it_and_workers_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: StackHandle
) -> None:
    tight = {"steady": {"p95_ms": 0.01}}
    load = {
        "workers": 2,
        "abort_on_fail": False,
        "profiles": {"smoke": {"pr": SHORT, "budgets": tight}},
    }
    record = _run(tmp_path, monkeypatch, live, load)
    assert record.status is Status.FAIL
    messages = [c.message for c in record.checks if c.status is Status.FAIL]
    endpoint = re.compile(
        r"^smoke phase 'steady', (GET|POST|PUT|DELETE) /api/v1/\S+: p95 is [\d.]+ms, "
        r"needs <= 0\.01ms\.$"
    )
    assert any(endpoint.match(m) for m in messages), messages
    # both workers' histograms arrived and merged: the HDR count equals Locust's own count
    assert record.evaluated["workers"] == 2
    merged = record.figures["profiles"]["smoke"]["phases"]["steady"]["endpoints"]["all"]["count"]
    stats = tmp_path / record.artifacts["smoke_locust_stats_csv"]
    with stats.open(encoding="utf-8") as handle:
        total = next(
            int(r["Request Count"]) for r in csv.DictReader(handle) if r["Name"] == "Aggregated"
        )
    assert merged == total > 0


def test_the_built_in_mix_sends_only_reads_to_a_read_only_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: StackHandle
) -> None:
    load = {"locustfile": "", "profiles": {"smoke": {"pr": ENOUGH}}}
    record = _run(tmp_path, monkeypatch, live, load, writes=False)
    assert record.status is Status.PASS, record.reasons
    assert record.figures["traffic"] == "read-only"
    assert "(read-only)" in record.summary
    chosen = record.figures["mix"]
    assert chosen["source"] == "openapi"
    # every parameterless read under the API prefix, nothing else
    assert "GET /api/v1/reports/summary" in chosen["operations"]
    assert all(n.startswith("GET /api/v1/") and "{" not in n for n in chosen["operations"])
    endpoints = record.figures["profiles"]["smoke"]["phases"]["steady"]["endpoints"]
    sent = set(endpoints) - {"all"}
    assert len(sent) >= 3
    assert sent <= set(chosen["operations"])
    assert (tmp_path / record.artifacts["openapi_json"]).is_file()


def test_an_unreachable_target_is_inconclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: StackHandle
) -> None:
    from signoff.stack.procs import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    record = _run(tmp_path, monkeypatch, live, {}, base_url=closed)
    assert record.status is Status.INCONCLUSIVE
    assert "did not answer" in record.summary
