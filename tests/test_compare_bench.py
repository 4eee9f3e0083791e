"""The bench layer keeps raw pytest-benchmark samples, and the comparison judges them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from signoff import config as config_mod
from signoff.compare import Change, compare
from signoff.layers import LayerContext
from signoff.layers.bench import run as run_bench
from signoff.records import Status
from signoff.report.results import build, settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("bench-run")
    cfg = config_mod.load(ROOT)
    ctx = LayerContext(run_dir=run, config=cfg, profile="release", args=["-k", "cache"])
    record = run_bench(ctx)
    assert record.status is Status.PASS, record.reasons
    return run


def test_the_layer_keeps_raw_samples_per_benchmark(bench_run: Path) -> None:
    cfg = config_mod.load(ROOT)
    record_doc = build(bench_run, cfg, "release").to_json()
    bench = next(i["record"] for i in record_doc["layers"] if i["record"]["layer"] == "bench")
    assert bench["artifacts"]["benchmark_json"] == "bench/benchmark.json"
    assert set(bench["figures"]["benchmarks"]) == {
        "test_cache_key_and_hit",
        "test_cache_tenant_key_and_miss",
    }
    samples = record_doc["samples"]["benchmarks"]
    assert all(len(values) >= 20 for values in samples.values())
    assert list((bench_run / "bench" / "storage").rglob("*.json"))


def test_benchmarks_compare_same_with_themselves_and_slower_when_slowed(bench_run: Path) -> None:
    cfg = config_mod.load(ROOT)
    doc = build(bench_run, cfg, "release").to_json()
    same = compare(doc, copy.deepcopy(doc), settings(cfg))
    changes = [r.shift.change for r in same.rows if r.kind == "benchmarks"]
    assert len(changes) == 2
    assert Change.SLOWER not in changes
    assert Change.FASTER not in changes
    slowed = copy.deepcopy(doc)
    name = next(k for k in slowed["samples"]["benchmarks"] if "key_and_hit" in k)
    slowed["samples"]["benchmarks"][name] = [
        v * 1.25 for v in slowed["samples"]["benchmarks"][name]
    ]
    result = compare(doc, slowed, settings(cfg))
    by_series = {r.series: r.shift.change for r in result.rows if r.kind == "benchmarks"}
    assert by_series[name] is Change.SLOWER
    assert Change.SLOWER not in [c for k, c in by_series.items() if k != name]
