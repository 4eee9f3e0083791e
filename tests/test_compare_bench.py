"""The bench layer keeps raw pytest-benchmark samples, and the run-level judge compares them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from signoff import config as config_mod
from signoff.judge import Change, compare
from signoff.judge.settings import settings
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import Status
from signoff.report.results import build, comparison_gates

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("bench-run")
    cfg = config_mod.load(ROOT)
    ctx = LayerContext(
        run_dir=run, config=cfg, profile="release", args=["-k", "cache"], name="bench"
    )
    record = run_layer(ctx)
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
    for figures in bench["figures"]["benchmarks"].values():  # each median with its interval
        low, high = figures["median_s_interval"]
        assert low <= figures["median_s"] <= high
    assert {"others_share", "steal_share", "busy"} <= set(bench["figures"]["machine"])


def _runs(doc: dict[str, Any], levels: list[float], slowed: str = "") -> list[dict[str, Any]]:
    """Copies of one real run, each moved by a machine level; `slowed` is 25% slower."""
    out = []
    for level in levels:
        copy_doc = copy.deepcopy(doc)
        bench = copy_doc["samples"]["benchmarks"]
        for name, values in bench.items():
            factor = level * (1.25 if name == slowed else 1.0)
            bench[name] = [v * factor for v in values]
        out.append(copy_doc)
    return out


def test_benchmarks_are_judged_on_runs_by_the_same_judge(bench_run: Path) -> None:
    cfg = config_mod.load(ROOT)
    doc = build(bench_run, cfg, "release").to_json()
    base = _runs(doc, [1.0, 1.02, 0.98, 1.01])
    same = compare(base, _runs(doc, [0.99, 1.01, 1.02, 0.98]), settings(cfg))
    changes = [r.shift.change for r in same.rows if r.kind == "benchmarks"]
    assert changes == [Change.SAME, Change.SAME]
    name = next(k for k in doc["samples"]["benchmarks"] if "key_and_hit" in k)
    result = compare(base, _runs(doc, [0.99, 1.01, 1.02, 0.98], slowed=name), settings(cfg))
    by_series = {r.series: r.shift.change for r in result.rows if r.kind == "benchmarks"}
    assert by_series[name] is Change.SLOWER
    assert [c for k, c in by_series.items() if k != name] == [Change.SAME]
    # each row shows the interval its verdict was read from: the flag's excludes no change at
    # the level the two benchmarks judged together share; `same`'s is the series' own
    alpha = settings(cfg).alpha
    for row in (r for r in result.rows if r.kind == "benchmarks"):
        shift = row.shift
        assert shift.ci_low is not None
        assert shift.confidence is not None
        if row.series == name:
            assert shift.ci_low > 0
            assert shift.confidence > 1 - alpha
        else:
            assert shift.confidence == pytest.approx(1 - 2 * alpha)
    gate = next(g for g in comparison_gates(result) if g.name == "baseline / micro-benchmarks")
    assert gate.status is Status.FAIL
    # one run a side is advisory: the gate does not count, whatever it says
    single = compare(doc, _runs(doc, [1.0], slowed=name), settings(cfg))
    assert all(
        not g.required for g in comparison_gates(single) if g.name.endswith("micro-benchmarks")
    )
