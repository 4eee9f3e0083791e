"""The load layer: Locust profiles (smoke, spike, soak, stress) judged per phase on budgets.

`nox -s load -- spike` runs one profile; without arguments the layer runs the profiles that
`[load.suites]` lists for the sign-off profile. All of them share one stack and one record.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from signoff.errors import ControlUnsupported, SignoffError
from signoff.layers import LayerContext
from signoff.load import plan as plan_mod
from signoff.load.profile import Outcome, run_profile
from signoff.load.seed import seed_jobs
from signoff.records import Check, LayerRecord, Status, judge, write_record
from signoff.rundir import layer_dir
from signoff.stack.select import choose_provider

LAYER = "load"


def selected_profiles(ctx: LayerContext, settings: dict[str, Any]) -> list[str]:
    chosen = [a for a in ctx.args if a != "--" and not a.startswith("-")]
    if chosen:
        return chosen
    suites: dict[str, list[str]] = settings["suites"]
    return list(suites.get(ctx.profile, suites["pr"]))


def run(ctx: LayerContext) -> LayerRecord:
    began, started_at = time.perf_counter(), datetime.now(UTC).isoformat()
    settings = ctx.config.section(LAYER)
    folder = layer_dir(ctx.run_dir, LAYER)
    plans = [
        plan_mod.build(settings, name, ctx.profile) for name in selected_profiles(ctx, settings)
    ]
    outcomes: list[Outcome] = []
    failure: str | None = None
    try:
        provider = choose_provider(ctx.config, folder / "stack-logs", ctx.stack, ctx.base_url)
        with provider as handle:
            try:
                pid: int | None = handle.controls.service_pid()
            except ControlUnsupported:
                pid = None
            fixtures = ctx.config.root / "fixtures" / "records"
            jobs = seed_jobs(handle.base_url, handle.api_key, int(settings["seed_jobs"]), fixtures)
            for plan in plans:
                outcomes.append(
                    run_profile(
                        plan,
                        handle,
                        settings,
                        ctx.config.root,
                        ctx.run_dir,
                        folder / plan.profile,
                        jobs,
                        pid,
                    )
                )
    except SignoffError as exc:
        failure = exc.message
    record = build_record(ctx.run_dir, folder, plans, outcomes, settings, failure)
    record = LayerRecord(
        **{
            **record.__dict__,
            "started_at": started_at,
            "finished_at": datetime.now(UTC).isoformat(),
            "duration_s": round(time.perf_counter() - began, 3),
        }
    )
    write_record(folder, record)
    return record


def build_record(
    run_dir: Path,
    folder: Path,
    plans: list[plan_mod.Plan],
    outcomes: list[Outcome],
    settings: dict[str, Any],
    failure: str | None,
) -> LayerRecord:
    workers = int(settings["workers"])
    declared = {"profiles": len(plans), "phases": sum(len(p.stages) for p in plans)}
    for outcome, plan in zip(outcomes, plans, strict=False):
        declared["phases"] += outcome.declared_phases - len(plan.stages)
    evaluated = {
        "profiles": sum(1 for o in outcomes if o.requests > 0),
        "phases": sum(o.evaluated_phases for o in outcomes),
    }
    if workers > 0:
        declared["workers"] = workers * len(plans)
        evaluated["workers"] = sum(min(o.workers_seen, workers) for o in outcomes)
    checks = [c for o in outcomes for c in o.checks]
    if failure:
        checks.append(Check("load run", Status.INCONCLUSIVE, None, None, "", "", failure))
    for plan, outcome in zip(plans, outcomes, strict=False):
        if outcome.requests == 0:
            checks.append(
                Check(
                    f"{plan.profile}: requests",
                    Status.INCONCLUSIVE,
                    0,
                    1,
                    ">=",
                    "",
                    f"The {plan.profile} run sent no requests.",
                )
            )
    status, reasons = judge(checks, declared, evaluated)
    samples: dict[str, list[float]] = {}
    throughput: dict[str, list[float]] = {}
    artifacts: dict[str, str] = {}
    for outcome in outcomes:
        samples.update(outcome.samples)
        throughput.update(outcome.throughput)
        artifacts.update(outcome.artifacts)
    (folder / "samples.json").write_text(json.dumps(samples), encoding="utf-8")
    (folder / "throughput.json").write_text(json.dumps(throughput), encoding="utf-8")
    artifacts["samples_json"] = str((folder / "samples.json").relative_to(run_dir))
    artifacts["throughput_json"] = str((folder / "throughput.json").relative_to(run_dir))
    if (folder / "stack-logs").is_dir():
        artifacts["stack_logs"] = str((folder / "stack-logs").relative_to(run_dir))
    figures: dict[str, Any] = {"profiles": {o.profile: o.figures for o in outcomes}}
    for outcome in outcomes:
        if "breaking_point" in outcome.figures:
            figures["breaking_point"] = outcome.figures["breaking_point"]
        if "leak_suspect" in outcome.figures:
            figures["leak_suspect"] = outcome.figures["leak_suspect"]
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    names = ", ".join(p.profile for p in plans)
    summary = failure or (
        f"{names}: {sum(o.requests for o in outcomes)} requests, {len(checks)} checks, "
        f"{failed} failed"
    )
    return LayerRecord(
        layer=LAYER,
        status=status,
        summary=summary,
        declared=declared,
        evaluated=evaluated,
        figures=figures,
        checks=checks,
        artifacts=artifacts,
        tools={
            "locust": metadata.version("locust"),
            "hdrhistogram": metadata.version("hdrhistogram"),
        },
        reasons=reasons,
    )
