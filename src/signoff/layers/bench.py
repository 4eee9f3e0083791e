"""The bench layer: pytest-benchmark on the service's hot paths, raw samples kept.

Every round's timing is kept (`stats.data` in `bench/benchmark.json`, and a saved copy under
`bench/storage/`), because a later comparison with a baseline judges whole samples, not means.
A benchmark with fewer raw samples than the comparison needs leaves the layer INCONCLUSIVE.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

from signoff.judge.intervals import median_interval
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative, run_pytest_layer
from signoff.machine import MachineSampler, busy_figures
from signoff.records import Evidence, threshold_check


def _benchmarks(path: Any) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = data.get("benchmarks", []) if isinstance(data, dict) else []
    return [b for b in found if isinstance(b, dict)]


def work(ctx: LayerContext) -> Evidence:
    """The benchmark suites in a pytest child; every benchmark needs enough raw samples."""
    settings = ctx.config.bench
    output = ctx.folder / "benchmark.json"
    output.unlink(missing_ok=True)  # never judge a previous attempt's numbers
    with MachineSampler([os.getpid()]) as sampler:  # the benchmarks run in our children
        base = run_pytest_layer(
            ctx,
            ctx.name,
            list(settings.paths),
            extra=[
                f"--benchmark-json={output}",
                f"--benchmark-storage=file://{ctx.folder / 'storage'}",
                f"--benchmark-save={ctx.run_dir.name}",
                "--benchmark-save-data",
                f"--benchmark-min-rounds={settings.min_rounds}",
                f"--benchmark-max-time={settings.max_time}",
            ],
            coverage="none",
        )
    machine = busy_figures(sampler.figures(), settings.busy_share_max)
    return _samples(ctx, Evidence.of(base), _benchmarks(output), machine)


def _samples(
    ctx: LayerContext,
    base: Evidence,
    benches: list[dict[str, Any]],
    machine: dict[str, Any] | None,
) -> Evidence:
    """The suite's evidence with the check that each benchmark kept enough raw samples."""
    need = ctx.config.report.min_samples
    output = ctx.folder / "benchmark.json"
    with_data = {
        str(b.get("fullname")): b["stats"]["data"]
        for b in benches
        if b.get("stats", {}).get("data")
    }
    enough = [name for name, data in with_data.items() if len(data) >= need]
    evidence = relative(ctx.run_dir, output)
    check = threshold_check(
        "benchmarks with enough raw samples",
        len(enough) if benches else None,
        ">=",
        float(max(len(benches), 1)),
        "",
        evidence,
    )
    figures = {
        **base.figures,
        "benchmarks": {
            str(b.get("name")): {
                "median_s": b["stats"].get("median"),
                "median_s_interval": median_interval(b["stats"].get("data") or []),
                "iqr_s": b["stats"].get("iqr"),
                "rounds": len(b["stats"].get("data") or []),
            }
            for b in benches
        },
        "min_samples": need,
        "machine": machine,
    }
    return replace(
        base,
        checks=[*base.checks, check],
        declared={**base.declared, "benchmarks": base.declared.get("tests", 0)},
        evaluated={**base.evaluated, "benchmarks": len(enough)},
        figures=figures,
        artifacts={**base.artifacts, **({"benchmark_json": evidence} if output.is_file() else {})},
        summary=f"{len(benches)} benchmarks, {len(enough)} with at least {need} raw samples; "
        + base.summary,
    )


LAYER = Layer(
    "bench",
    "pytest-benchmark micro-benchmarks, raw samples kept.",
    work,
    exclusive_cpu=True,
)
