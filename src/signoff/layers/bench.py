"""The bench layer: pytest-benchmark on the service's hot paths, raw samples kept.

Every round's timing is kept (`stats.data` in `bench/benchmark.json`, and a saved copy under
`bench/storage/`), because a later comparison with a baseline judges whole samples, not means.
A benchmark with fewer raw samples than the comparison needs leaves the layer INCONCLUSIVE.
"""

from __future__ import annotations

import json
import os
from typing import Any

from signoff.intervals import median_interval
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import relative, run_pytest_layer
from signoff.machine import MachineSampler, busy_figures
from signoff.records import LayerRecord, judge, threshold_check, write_record
from signoff.rundir import layer_dir


def _benchmarks(path: Any) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = data.get("benchmarks", []) if isinstance(data, dict) else []
    return [b for b in found if isinstance(b, dict)]


def run(ctx: LayerContext) -> LayerRecord:
    settings = ctx.config.bench
    need = ctx.config.report.min_samples
    folder = layer_dir(ctx.run_dir, "bench")
    output = folder / "benchmark.json"
    output.unlink(missing_ok=True)  # never judge a previous attempt's numbers
    with MachineSampler([os.getpid()]) as sampler:  # the benchmarks run in our children
        record = run_pytest_layer(
            ctx,
            "bench",
            list(settings.paths),
            extra=[
                f"--benchmark-json={output}",
                f"--benchmark-storage=file://{folder / 'storage'}",
                f"--benchmark-save={ctx.run_dir.name}",
                "--benchmark-save-data",
                f"--benchmark-min-rounds={settings.min_rounds}",
                f"--benchmark-max-time={settings.max_time}",
            ],
            coverage="none",
        )
    benches = _benchmarks(output)
    with_data = {
        str(b.get("fullname")): b["stats"]["data"]
        for b in benches
        if b.get("stats", {}).get("data")
    }
    enough = [name for name, data in with_data.items() if len(data) >= need]
    evidence = relative(ctx.run_dir, output)
    checks = [
        *record.checks,
        threshold_check(
            "benchmarks with enough raw samples",
            len(enough) if benches else None,
            ">=",
            float(max(len(benches), 1)),
            "",
            evidence,
        ),
    ]
    declared = {**record.declared, "benchmarks": record.declared.get("tests", 0)}
    evaluated = {**record.evaluated, "benchmarks": len(enough)}
    status, reasons = judge(checks, declared, evaluated)
    figures = {
        **record.figures,
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
        "machine": busy_figures(sampler.figures(), settings.busy_share_max),
    }
    artifacts = {**record.artifacts}
    if output.is_file():
        artifacts["benchmark_json"] = evidence
    final = LayerRecord(
        layer="bench",
        status=status,
        summary=f"{len(benches)} benchmarks, {len(enough)} with at least {need} raw samples; "
        + record.summary,
        declared=declared,
        evaluated=evaluated,
        figures=figures,
        checks=checks,
        artifacts=artifacts,
        tools=record.tools,
        reasons=reasons,
        started_at=record.started_at,
        finished_at=record.finished_at,
        duration_s=record.duration_s,
    )
    write_record(folder, final)
    return final
