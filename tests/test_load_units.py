"""The load engine's pure parts: HDR merging, plans, the built-in mix, server figures,
wrk parsing (budgets: test_load_budgets.py)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from signoff import config
from signoff.errors import ConfigError, EvidenceError
from signoff.layers.load import traffic
from signoff.load import analysis, hdr, mix
from signoff.load import plan as plan_mod
from signoff.load.bench import parse_wrk
from signoff.load.recorder import Chunk, IntervalRecorder
from signoff.load.scrape import leak_suspect, parse_metrics, quantile_from_buckets, window_figures
from signoff.stack.interface import StackHandle
from signoff.target import Metrics


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


def test_a_second_in_which_a_spike_begins_counts_in_neither_phase() -> None:
    # a steady baseline at 5 ms; the spike begins at 1010.6 (after the second's middle), and its
    # burst answers in 400 ms: the second 1010 holds the last of the baseline and the first of
    # the spike, which would make the baseline's p95 the spike's
    chunks: list[Chunk] = []
    recorder = IntervalRecorder("w", chunks.append)
    for tenth in range(10_000, 10_106):  # 1000.0 s to 1010.5 s
        recorder.record("GET /x", 5.0, failed=False, now=tenth / 10)
    for index in range(60):
        recorder.record("GET /x", 400.0, failed=False, now=1010.6 + index / 200)
    recorder.flush(final=True)
    windows = [analysis.Window("baseline", 1000.0, 1010.6), analysis.Window("spike", 1010.6, 1011)]
    result = analysis.analyse(chunks, windows)
    baseline = result.cells["baseline"]["GET /x"]
    assert baseline.count == 100  # seconds 1000 to 1009; 1010 straddles the spike's start
    assert hdr.percentile_ms(baseline.histogram, 95.0) == pytest.approx(5.0, rel=0.01)
    assert "spike" not in result.cells or not result.cells["spike"]
    assert result.phase_of(1009) == "baseline"
    assert result.phase_of(1010) is None
    assert (result.between, result.requests) == (66, 166)  # sent, and counted as such


@pytest.mark.parametrize("count", [1, 7, 1000, 20_000])
def test_percentiles_and_mean_are_hdrhs_own(count: int) -> None:
    # the vectorised search must give what hdrh's bucket-by-bucket walk gives, to the microsecond
    rng = random.Random(count)
    histogram = hdr.new()
    for _ in range(count):
        hdr.record_ms(histogram, rng.lognormvariate(1.5, 1.5))
    for percentile in (0.0, 0.1, 50.0, 95.0, 99.0, 99.9, 100.0):
        expected = histogram.get_value_at_percentile(percentile) / 1000.0
        assert hdr.percentile_ms(histogram, percentile) == pytest.approx(expected, abs=1e-9)
    assert hdr.mean_ms(histogram) == pytest.approx(histogram.get_mean_value() / 1000.0)
    assert hdr.percentile_ms(hdr.new(), 95.0) is None
    assert hdr.mean_ms(hdr.new()) is None


def test_plan_unrolls_steps_and_windows() -> None:
    settings = config.load().load
    stress = plan_mod.build(settings, "stress", "pr")
    assert stress.phases[:2] == ["step-1", "step-2"]
    assert stress.stages[1].users - stress.stages[0].users == 40
    assert stress.budget("step-7") == stress.budgets["step"]
    soak = plan_mod.build(settings, "soak", "pr")
    assert soak.phases == ["soak-1", "soak-2", "soak-3"]
    assert soak.duration_s == pytest.approx(60.0)


def test_unknown_profile_and_missing_budget_are_config_errors() -> None:
    settings = config.load().load
    with pytest.raises(ConfigError, match="no load profile named 'nope'"):
        plan_mod.build(settings, "nope", "pr")
    other = (config.StageRow(phase="other", duration_s=5.0, users=1),)
    smoke = dataclasses.replace(settings.profiles["smoke"], tables={"pr": other})
    settings = dataclasses.replace(settings, profiles={**settings.profiles, "smoke": smoke})
    with pytest.raises(ConfigError, match="no budget for phase 'other'"):
        plan_mod.build(settings, "smoke", "pr")


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


# ---------------------------------------------------------------- the built-in mix

_ID = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/api/notes": {"get": {}, "post": {"requestBody": {"required": True}}},
        "/api/notes/{note_id}": {"get": {"parameters": [_ID]}, "delete": {"parameters": [_ID]}},
        "/api/search": {"get": {"parameters": [{"name": "q", "in": "query", "required": True}]}},
        "/api/tags": {"get": {"parameters": [{"name": "limit", "in": "query"}]}},
        "/apiary": {"get": {}},
        "/health": {"get": {}},
    },
}
NOTES = [
    {"name": "GET /api/notes", "weight": 3, "query": {"limit": 20}},
    {"name": "POST /api/notes", "json": {"title": "load"}, "save": {"note_id": "id"}},
    {"name": "GET /api/notes/{note_id}", "weight": 2},
    {"name": "DELETE /api/notes/{note_id}", "weight": 0.5},
    {"name": "GET /api/tags/{tag}", "params": {"tag": "a b"}},
]


def _workload(
    table: dict[str, Any], handle: StackHandle, document: dict[str, Any] | None = None
) -> tuple[mix.Workload, list[int]]:
    """A workload of the default `[load]` settings with `table` laid over them."""
    merged = config.deep_merge(config.defaults()["load"], table)
    settings = config.from_table(config.LoadSettings, merged, "load")
    fetched: list[int] = []

    def fetch() -> dict[str, Any]:
        if document is None:
            raise AssertionError("the OpenAPI document was read although operations were given")
        fetched.append(1)
        return document

    return mix.Workload(settings, handle.may_send, fetch, "/api"), fetched


def test_without_operations_the_mix_is_every_parameterless_read_under_the_prefix() -> None:
    handle = StackHandle("url", "http://svc", writes=False)
    workload, fetched = _workload({"mix": {"operations": []}}, handle, DOCUMENT)
    assert [op.name for op in workload.mix()] == ["GET /api/notes", "GET /api/tags"]
    assert {op.weight for op in workload.mix()} == {1.0}
    assert [op.name for op in workload.operations("open", builtin=False)] == [
        "GET /api/notes",
        "GET /api/tags",
    ]
    assert fetched == [1]  # read once
    assert workload.figures()["source"] == "openapi"
    every = [op.name for op in mix.openapi_reads(DOCUMENT)]
    assert every == ["GET /api/notes", "GET /api/tags", "GET /apiary", "GET /health"]


def test_a_read_only_target_gets_only_reads_and_what_the_user_allowed() -> None:
    settings = {"mix": {"operations": NOTES}}
    read_only = StackHandle("url", "http://svc", writes=False)
    workload, _ = _workload(settings, read_only)
    # the note reads need an id only the refused POST would have saved: left out too
    assert [op.name for op in workload.mix()] == ["GET /api/notes", "GET /api/tags/{tag}"]
    assert workload.figures() == {
        "source": "config",
        "operations": {"GET /api/notes": 3.0, "GET /api/tags/{tag}": 1.0},
        "not_sent": ["POST /api/notes", "DELETE /api/notes/{note_id}", "GET /api/notes/{note_id}"],
    }
    allowed = StackHandle("url", "http://svc", writes=False, write_operations=["POST /api/*"])
    workload, _ = _workload(settings, allowed)
    assert [op.name for op in workload.mix()] == [
        "GET /api/notes",
        "POST /api/notes",
        "GET /api/notes/{note_id}",
        "GET /api/tags/{tag}",
    ]
    embedded, _ = _workload(settings, StackHandle("local", "http://svc"))
    assert len(embedded.mix()) == len(NOTES)
    assert embedded.operations("closed", builtin=False) == []  # the user's locustfile plays
    assert traffic(read_only) == {"traffic": "read-only"}
    assert traffic(allowed)["write_operations"] == ["POST /api/*"]


def test_nothing_left_to_send_is_an_error_not_an_empty_run() -> None:
    settings = {"mix": {"operations": [{"name": "POST /api/notes"}]}}
    workload, _ = _workload(settings, StackHandle("url", "http://svc", writes=False))
    with pytest.raises(EvidenceError, match="no operation to send"):
        workload.mix()


def test_operation_urls_fill_placeholders_from_params_then_saved_values() -> None:
    ops = mix.parse(NOTES)
    assert ops[0].url({}) == "/api/notes?limit=20"
    assert ops[2].url({}) is None
    assert ops[2].url({"note_id": "7"}) == "/api/notes/7"
    assert ops[4].url({"tag": "ignored"}) == "/api/tags/a%20b"
    answer = {"id": 12, "items": [{"id": "x"}], "ok": True}
    assert mix.extract(answer, "id") == "12"
    assert mix.extract(answer, "items.0.id") == "x"
    assert mix.extract(answer, "ok") == "true"
    assert mix.extract(answer, "items.3.id") is None
    assert mix.extract(answer, "items") is None


def test_mix_operations_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"no value for \{note_id\}"):
        mix.parse([{"name": "GET /api/notes/{note_id}"}])
    with pytest.raises(ConfigError, match="unknown key 'wieght'"):
        mix.parse([{"name": "GET /api/notes", "wieght": 2}])
    with pytest.raises(ConfigError, match="METHOD /path"):
        mix.parse([{"name": "/api/notes"}])
    with pytest.raises(ConfigError, match="positive number"):
        mix.parse([{"name": "GET /api/notes", "weight": 0}])
    with pytest.raises(ConfigError, match="think_s"):
        config.from_table(config.LoadMix, {"operations": [], "think_s": [2.0, 1.0]}, "load.mix")


def test_open_requests_and_the_bench_endpoint_take_a_configured_operation() -> None:
    settings = {
        "mix": {"operations": [{"name": "GET /api/notes/{id}", "params": {"id": "3"}}]},
        "open": {"requests": ["GET /api/notes/{id}", "GET /api/tags"]},
        "bench": {"endpoint": "GET /api/tags"},
    }
    workload, _ = _workload(settings, StackHandle("local", "http://svc"))
    first, second = workload.operations("open", builtin=True)
    assert first.url({}) == "/api/notes/3"
    assert second == mix.MixOperation("GET /api/tags")
    assert workload.operations("paced", builtin=True) == [mix.MixOperation("GET /api/tags")]


# ---------------------------------------------------------------- server figures

EXPOSITION = """# TYPE svc_http_requests_total counter
svc_http_requests_total{route="/a",status="200"} 90.0
svc_http_requests_total{route="/a",status="503"} 10.0
# TYPE svc_cache_hits_total counter
svc_cache_hits_total 30.0
# TYPE svc_cache_misses_total counter
svc_cache_misses_total 10.0
# TYPE svc_db_pool gauge
svc_db_pool{state="in_use"} 3.0
svc_db_pool{state="max"} 10.0
"""
METRICS = Metrics(
    requests="svc_http_requests_total",
    cache_hits="svc_cache_hits",
    cache_misses="svc_cache_misses_total",
    db_pool="svc_db_pool",
)


def test_server_figures_come_from_the_targets_metric_names() -> None:
    before = parse_metrics("", 0.0, METRICS)
    after = parse_metrics(EXPOSITION, 10.0, METRICS)
    assert after.values["http_5xx"] == 10.0
    figures = window_figures([before, after], 0.0, 10.0, METRICS)
    assert figures["cache_hit_ratio"] == 0.75
    assert figures["server_requests"] == 100
    assert figures["server_5xx"] == 10
    assert figures["pool_usage_max"] == 0.3
    assert "db_query_p95_ms" not in figures  # no histogram named: the figure is absent
    nameless = [parse_metrics(EXPOSITION, t, Metrics()) for t in (0.0, 10.0)]
    assert window_figures(nameless, 0.0, 10.0, Metrics()) == {"scrapes": 2}
