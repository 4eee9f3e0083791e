"""The load layer: Locust profiles (smoke, spike, soak, stress) judged per phase on budgets.

`nox -s load -- spike` runs one profile; without arguments the layer runs the profiles that
`[load.suites]` lists for the sign-off profile. All of them share one stack and one record.
The users come from the project's locustfile (`[load] locustfile`, or `paths[0]` of a declared
layer of kind `locust`), else from the package's own: `[load.mix]` or the OpenAPI reads. A
read-only deployment is sent only what its handle allows, and the record says so.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from signoff import openapi
from signoff.config import LoadSettings
from signoff.errors import ControlUnsupported, SignoffError
from signoff.layers import LayerContext
from signoff.load import plan as plan_mod
from signoff.load.engine import BUILTIN_LOCUSTFILE, Launch, locustfile
from signoff.load.mix import Workload
from signoff.load.profile import Outcome, run_profile
from signoff.records import Check, Clock, LayerRecord, Status, judge, write_record
from signoff.rundir import layer_dir
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider

LAYER = "load"


def selected_profiles(ctx: LayerContext, settings: LoadSettings) -> list[str]:
    chosen = [a for a in ctx.args if a != "--" and not a.startswith("-")]
    if chosen:
        return chosen
    suites = settings.suites
    return list(suites.get(ctx.profile, suites["pr"]))


def service_pids(handle: StackHandle) -> dict[str, int]:
    """The target's processes and backing services whose CPU the run samples (none for a
    deployment the provider does not run)."""
    found: dict[str, int] = {}
    for name in handle.controls.names():
        try:
            found[name] = handle.controls.pid(name)
        except ControlUnsupported:
            continue
    return found


def traffic(handle: StackHandle) -> dict[str, Any]:
    """Which requests the run was allowed to send, for the record."""
    if handle.writes:
        return {"traffic": "read-write"}
    out: dict[str, Any] = {"traffic": "read-only"}
    if handle.write_operations:
        out["write_operations"] = list(handle.write_operations)
    return out


def run(ctx: LayerContext) -> LayerRecord:
    clock = Clock.start()
    layer = ctx.name or LAYER
    settings = ctx.config.load
    spec = ctx.spec
    root = ctx.config.root
    script = root / spec.paths[0] if spec else locustfile(root, settings.locustfile)
    folder = layer_dir(ctx.run_dir, layer)
    plans = [
        plan_mod.build(settings, name, ctx.profile) for name in selected_profiles(ctx, settings)
    ]
    outcomes: list[Outcome] = []
    failure: str | None = None
    extra: dict[str, Any] = {}
    try:
        provider = choose_provider(ctx.config, folder / "stack-logs", ctx.stack, ctx.base_url)
        with provider as handle:
            extra = traffic(handle)
            try:
                pid: int | None = handle.controls.service_pid()
            except ControlUnsupported:
                pid = None
            target = ctx.config.target
            workload = Workload(
                settings,
                handle.may_send,
                lambda: openapi.fetch(handle, root, folder / "openapi.json"),
                target.api_prefix,
            )
            launch = Launch(
                handle,
                root,
                script,
                target.metrics,
                pid,
                dict(spec.env) if spec else {},
                service_pids(handle),
                ui="--ui" in ctx.args,
            )
            try:
                for plan in plans:
                    ops = workload.operations(plan.mode, script == BUILTIN_LOCUSTFILE)
                    payload = {"operations": [op.to_json() for op in ops]}
                    outcomes.append(
                        run_profile(
                            plan, launch, settings, ctx.run_dir, folder / plan.profile, payload
                        )
                    )
            finally:
                chosen = workload.figures()
                if chosen:
                    extra["mix"] = chosen
    except SignoffError as exc:
        failure = exc.message
    record = build_record(ctx.run_dir, folder, plans, outcomes, settings, failure, layer, extra)
    record = LayerRecord(
        **{
            **record.__dict__,
            **clock.times(),
        }
    )
    write_record(folder, record)
    return record


def build_record(
    run_dir: Path,
    folder: Path,
    plans: list[plan_mod.Plan],
    outcomes: list[Outcome],
    settings: LoadSettings,
    failure: str | None,
    layer: str = LAYER,
    extra: dict[str, Any] | None = None,
) -> LayerRecord:
    workers = settings.workers + settings.remote_workers
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
    if (folder / "openapi.json").is_file():
        artifacts["openapi_json"] = str((folder / "openapi.json").relative_to(run_dir))
    if (folder / "stack-logs").is_dir():
        artifacts["stack_logs"] = str((folder / "stack-logs").relative_to(run_dir))
    figures: dict[str, Any] = {
        **(extra or {}),
        "profiles": {o.profile: o.figures for o in outcomes},
    }
    for outcome in outcomes:
        if "breaking_point" in outcome.figures:
            figures["breaking_point"] = outcome.figures["breaking_point"]
        if "leak_suspect" in outcome.figures:
            figures["leak_suspect"] = outcome.figures["leak_suspect"]
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    names = ", ".join(p.profile for p in plans)
    mode = f" ({figures['traffic']})" if figures.get("traffic") == "read-only" else ""
    summary = failure or (
        f"{names}: {sum(o.requests for o in outcomes)} requests{mode}, {len(checks)} checks, "
        f"{failed} failed"
    )
    return LayerRecord(
        layer=layer,
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
