"""The load layer: Locust profiles (smoke, spike, soak, stress) judged per phase on budgets.

`nox -s load -- spike` runs one profile; without arguments the layer runs the profiles that
`[load.suites]` lists for the sign-off profile. All of them share one stack and one record.
The users come from the project's locustfile (`[load] locustfile`, or `paths[0]` of a declared
layer of kind `locust`), else from the package's own: `[load.mix]` or the OpenAPI reads. A
read-only deployment is sent only what its handle allows, and the record says so.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from signoff import openapi
from signoff.config import LoadSettings
from signoff.errors import ControlUnsupported
from signoff.layers import Layer, LayerContext
from signoff.load import plan as plan_mod
from signoff.load.engine import BUILTIN_LOCUSTFILE, Launch, locustfile
from signoff.load.mix import Workload
from signoff.load.profile import Outcome, run_profile
from signoff.records import Check, Evidence, Status
from signoff.stack.interface import StackHandle


def selected_profiles(ctx: LayerContext, settings: LoadSettings) -> tuple[list[str], str]:
    """The load profiles to play, and a line that says who chose them."""
    chosen = [a for a in ctx.args if a != "--" and not a.startswith("-")]
    if chosen:
        return chosen, f"load profiles {', '.join(chosen)}: named on the command line"
    names, note = settings.suite_for(ctx.profile)
    return list(names), note


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


def _script(ctx: LayerContext) -> Path:
    """The locustfile: a declared layer's `paths[0]`, else `[load] locustfile` or the built-in."""
    spec = ctx.spec
    if spec:
        return ctx.config.root / spec.paths[0]
    return locustfile(ctx.config.root, ctx.config.load.locustfile)


def work(ctx: LayerContext) -> Evidence:
    """Every selected load profile on the stack the harness started, judged per phase."""
    handle = ctx.handle
    assert handle is not None  # the harness starts a stack for this layer
    settings = ctx.config.load
    names, suite = selected_profiles(ctx, settings)
    print(suite, file=sys.stderr)
    plans = [plan_mod.build(settings, name, ctx.profile) for name in names]
    for plan in plans:
        print(f"{plan.profile}: {plan.stages_note()}", file=sys.stderr)
    script = _script(ctx)
    workload = Workload(
        settings,
        handle.may_send,
        lambda: openapi.fetch(handle, ctx.config.root, ctx.folder / "openapi.json"),
        ctx.config.target.api_prefix,
    )
    launch = _launch(ctx, handle, script)
    extra = {**traffic(handle), "suite": suite}
    outcomes: list[Outcome] = []
    try:
        for plan in plans:
            ops = workload.operations(plan.mode, script == BUILTIN_LOCUSTFILE)
            payload = {"operations": [op.to_json() for op in ops]}
            folder = ctx.folder / plan.profile
            # once a profile has failed a budget, no replay of a later one could turn the verdict
            replays = not any(c.status is Status.FAIL for o in outcomes for c in o.checks)
            outcomes.append(
                run_profile(plan, launch, settings, ctx.run_dir, folder, payload, replays, True)
            )
    finally:
        for outcome in outcomes:  # the plots a profile drew while the next one started
            outcome.finish()
        chosen = workload.figures()
        if chosen:
            extra["mix"] = chosen
    return evidence(ctx.run_dir, ctx.folder, plans, outcomes, settings, extra)


def _launch(ctx: LayerContext, handle: StackHandle, script: Path) -> Launch:
    try:
        pid: int | None = handle.controls.service_pid()
    except ControlUnsupported:
        pid = None
    spec = ctx.spec
    return Launch(
        handle,
        ctx.config.root,
        script,
        ctx.config.target.metrics,
        pid,
        dict(spec.env) if spec else {},
        service_pids(handle),
        ui="--ui" in ctx.args,
    )


def _counts(
    plans: list[plan_mod.Plan], outcomes: list[Outcome], settings: LoadSettings
) -> tuple[dict[str, int], dict[str, int]]:
    """What the profiles declared (profiles, phases, workers) and what they evaluated."""
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
    return declared, evaluated


def _checks(plans: list[plan_mod.Plan], outcomes: list[Outcome]) -> list[Check]:
    """Every profile's checks, and an inconclusive one for a profile that sent nothing."""
    checks = [c for o in outcomes for c in o.checks]
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
    return checks


def _artifacts(run_dir: Path, folder: Path, outcomes: list[Outcome]) -> dict[str, str]:
    """Every profile's artifacts, and the samples and throughput of all of them in one file
    each (what a later comparison reads)."""
    samples: dict[str, list[float]] = {}
    throughput: dict[str, list[float]] = {}
    artifacts: dict[str, str] = {}
    for outcome in outcomes:
        samples.update(outcome.samples)
        throughput.update(outcome.throughput)
        artifacts.update(outcome.artifacts)
    (folder / "samples.json").write_text(json.dumps(samples), encoding="utf-8")
    (folder / "throughput.json").write_text(json.dumps(throughput), encoding="utf-8")
    kept = {
        "samples_json": folder / "samples.json",
        "throughput_json": folder / "throughput.json",
        "openapi_json": folder / "openapi.json",
        "stack_logs": folder / "stack-logs",
    }
    artifacts |= {
        key: str(path.relative_to(run_dir)) for key, path in kept.items() if path.exists()
    }
    return artifacts


def evidence(
    run_dir: Path,
    folder: Path,
    plans: list[plan_mod.Plan],
    outcomes: list[Outcome],
    settings: LoadSettings,
    extra: dict[str, Any],
) -> Evidence:
    """The layer's evidence: every profile's checks, counts, figures and artifacts."""
    declared, evaluated = _counts(plans, outcomes, settings)
    checks = _checks(plans, outcomes)
    figures: dict[str, Any] = {**extra, "profiles": {o.profile: o.figures for o in outcomes}}
    figures["stages"] = {plan.profile: plan.stages_note() for plan in plans}
    for outcome in outcomes:
        for key in ("breaking_point", "leak_suspect"):
            if key in outcome.figures:
                figures[key] = outcome.figures[key]
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    names = ", ".join(p.profile for p in plans)
    mode = f" ({figures['traffic']})" if figures.get("traffic") == "read-only" else ""
    # a stage table borrowed from another sign-off profile is said where the verdict is read
    borrowed = [
        f"{p.profile}: {p.stages_note()}" for p in plans if p.stage_table != p.signoff_profile
    ]
    return Evidence(
        checks=checks,
        declared=declared,
        evaluated=evaluated,
        figures=figures,
        artifacts=_artifacts(run_dir, folder, outcomes),
        tools={
            "locust": metadata.version("locust"),
            "hdrhistogram": metadata.version("hdrhistogram"),
        },
        summary=f"{names}: {sum(o.requests for o in outcomes)} requests{mode}, "
        f"{len(checks)} checks, {failed} failed" + "".join(f"; {b}" for b in borrowed),
    )


LAYER = Layer(
    "load",
    "Locust profiles (smoke, spike, soak, stress) on budgets.",
    work,
    stack="own",
    exclusive_cpu=True,
)
