"""The load engine's pure parts: HDR merging, plans, budgets, server figures, wrk parsing."""

from __future__ import annotations

import random
from typing import Any

import pytest

from signoff import config
from signoff.errors import ConfigError
from signoff.load import analysis, hdr
from signoff.load import plan as plan_mod
from signoff.load.bench import parse_wrk
from signoff.load.budgets import phase_checks
from signoff.load.recorder import Chunk, IntervalRecorder
from signoff.load.scrape import leak_suspect, quantile_from_buckets
from signoff.records import Status


def test_histograms_from_two_workers_merge_to_the_exact_percentiles() -> None:
    chunks: list[Chunk] = []
    rng = random.Random(1)
    values = [rng.uniform(1.0, 500.0) for _ in range(4000)]
    recorders = [IntervalRecorder(f"w{i}", chunks.append) for i in range(2)]
    for index, ms in enumerate(values):
        recorders[index % 2].record(
            "GET /x", ms, failed=index % 100 == 0, now=1000.0 + index / 1000
        )
    for recorder in recorders:
        recorder.flush(final=True)
    windows = [analysis.Window("a", 1000.0, 1002.0), analysis.Window("b", 1002.0, 1004.0)]
    result = analysis.analyse(chunks, windows)
    reference = hdr.new()
    for ms in values[:2000]:
        hdr.record_ms(reference, ms)
    merged = result.cells["a"]["GET /x"]
    assert result.workers == {"w0", "w1"}
    assert merged.count == 2000
    assert merged.errors == 20
    assert hdr.percentile_ms(merged.histogram, 99.0) == hdr.percentile_ms(reference, 99.0)
    assert result.cells["b"][analysis.ALL].count == 2000


def test_plan_unrolls_steps_and_windows() -> None:
    settings = config.load().section("load")
    stress = plan_mod.build(settings, "stress", "pr")
    assert stress.phases[:2] == ["step-1", "step-2"]
    assert stress.stages[1].users - stress.stages[0].users == 40
    assert stress.budget("step-7") == stress.budgets["step"]
    soak = plan_mod.build(settings, "soak", "pr")
    assert soak.phases == ["soak-1", "soak-2", "soak-3"]
    assert soak.duration_s == pytest.approx(60.0)


def test_unknown_profile_and_missing_budget_are_config_errors() -> None:
    settings = config.load().section("load")
    with pytest.raises(ConfigError, match="no load profile named 'nope'"):
        plan_mod.build(settings, "nope", "pr")
    settings["profiles"]["smoke"]["pr"] = [{"phase": "other", "duration_s": 5.0, "users": 1}]
    with pytest.raises(ConfigError, match="no budget for phase 'other'"):
        plan_mod.build(settings, "smoke", "pr")


def _summary(p95: float, count: int) -> dict[str, Any]:
    figures = {
        "count": count,
        "dropped": 0,
        "p50_ms": 1.0,
        "p95_ms": p95,
        "p99_ms": p95,
        "error_rate": 0.0,
        "rps": 50.0,
    }
    return {"endpoints": {"all": figures, "GET /api/v1/jobs": figures}}


def test_a_broken_budget_names_phase_endpoint_budget_and_figure() -> None:
    plan = plan_mod.Plan(
        "spike",
        "closed",
        [plan_mod.Stage("spike", 5.0, users=1)],
        {"spike": {"p95_ms": 20.0, "min_rps": 10.0}},
    )
    checks = phase_checks(plan, {"spike": _summary(41.2, 100)}, 30, "e.json")["spike"]
    failed = [c for c in checks if c.status is Status.FAIL]
    assert [c.name for c in failed] == [
        "spike phase 'spike', all endpoints: p95",
        "spike phase 'spike', GET /api/v1/jobs: p95",
    ]
    assert (
        failed[1].message == "spike phase 'spike', GET /api/v1/jobs: p95 is 41.2ms, needs <= 20ms."
    )
    # too few requests: the endpoint is judged only inside the aggregate
    few = phase_checks(plan, {"spike": _summary(41.2, 5)}, 30, "e.json")["spike"]
    assert not any("GET /api/v1/jobs" in c.name for c in few)


def test_histogram_quantile_interpolates_like_prometheus() -> None:
    buckets = {0.001: 50.0, 0.01: 90.0, 0.1: 100.0, float("inf"): 100.0}
    assert quantile_from_buckets(buckets, 0.5) == pytest.approx(0.001)
    assert quantile_from_buckets(buckets, 0.95) == pytest.approx(0.055)
    assert quantile_from_buckets({}, 0.95) is None


def test_steady_memory_growth_is_a_leak_suspect_and_noise_is_not() -> None:
    rng = random.Random(3)
    growing = [(60.0 * i / 10, 100e6 + i * 1e6 + rng.uniform(0, 1e5)) for i in range(40)]
    flat = [(60.0 * i / 10, 100e6 + rng.uniform(0, 2e6)) for i in range(40)]
    assert leak_suspect(growing, 1.0, 0.7)["suspect"] is True
    assert leak_suspect(flat, 1.0, 0.7)["suspect"] is False
    assert leak_suspect(flat[:3], 1.0, 0.7)["suspect"] is None


WRK = """Running 10s test @ http://127.0.0.1:5000/api/v1/reports/summary
  2 threads and 50 connections
  Latency Distribution
     50%  233.65ms
     75%  300.10ms
     90%  419.07ms
     99%    1.20s
  2030 requests in 10.01s, 1.02MB read
Requests/sec:    202.90
"""


def test_wrk_output_is_parsed_in_milliseconds() -> None:
    figures = parse_wrk(WRK)
    assert figures["p50_ms"] == pytest.approx(233.65)
    assert figures["p99_ms"] == pytest.approx(1200.0)
    assert figures["rps"] == pytest.approx(202.9)
    assert figures["count"] == 2030
