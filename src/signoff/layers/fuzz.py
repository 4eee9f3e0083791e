"""The fuzz layer: Schemathesis against the service's OpenAPI document, with a valid credential.

Against a deployment (`--stack url`) only read operations are fuzzed unless the user allowed
writes (`[stack] url_writes`, or per operation `url_write_operations`); the record says which.

One seed (`[fuzz] seed`, `--seed N` after the layer's name, else a new one) drives every phase;
the record keeps it. Every operation of the document must be exercised. Failures are kept with
the curl command that reproduces each one (`failures.json`, `failures.md`) beside Schemathesis'
JUnit and JSON reports and its stored reproductions, which the layer replays on a fresh stack at
the end: a failure that does not come back is FLAKY, reported and not gating unless
`fail_on_flaky` is set. `signoff fuzz --replay RUN` replays a run's failures again later.
Operations that revoke or demote their caller (`last_operations`) are fuzzed after the others
with a fresh credential, each in a pass of its own with `separate_identities`. Each 5xx is held
against the responses its operation declares: an undocumented one FAILS, one the document
declares (never a 500) is listed and is no failure (docs/fuzz.md).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from signoff import children, openapi
from signoff.config import FuzzSettings
from signoff.errors import SignoffError, StackError
from signoff.fuzz.checks import failures_check, flaky_check, refs_check
from signoff.fuzz.command import (
    LAST_PASS_MAX_TIME,
    command,
    masked,
    operations,
    passes,
    resolve_seed,
    seed_args,
)
from signoff.fuzz.replay import (
    CRASHES,
    classify,
    fresh_headers,
    replay_run,
    write_plan,
    write_replay,
)
from signoff.fuzz.results import (
    external_refs,
    junit_failures,
    read_passes,
    write_failures,
)
from signoff.fuzz.servererrors import contract_check, mark
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import Check, Evidence, threshold_check
from signoff.stack.interface import StackHandle

__all__ = ["LAYER", "work"]


@dataclass
class _Outcome:
    """What the passes and the replay left, for the record."""

    document: dict[str, Any]
    plan: list[tuple[str, list[str]]]
    allowed: list[str] | None
    mode: str
    seed: int
    codes: list[int]
    argvs: list[list[str]]
    verdicts: dict[str, str]
    replay_note: str = ""


def work(ctx: LayerContext) -> Evidence:
    """Every Schemathesis pass on the stack the harness started, then the failures replayed."""
    handle = ctx.handle
    assert handle is not None  # the harness starts a stack for this layer
    settings = ctx.config.fuzz
    seed_given, st_args = seed_args(ctx.args)
    seed = resolve_seed(settings.seed, seed_given)
    folder = ctx.folder
    report_dir = folder / "schemathesis"
    # This run's evidence only: stored reproductions of an earlier run would be replayed as ours.
    for stale in (report_dir, folder / CRASHES, folder / ".hypothesis"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale_file in ("replay.json", "replay.log"):
        (folder / stale_file).unlink(missing_ok=True)
    report_dir.mkdir()
    (folder / "schemathesis.log").write_text(f"seed {seed}\n", encoding="utf-8")
    if settings.config_file:
        settings = replace(settings, config_file=str(ctx.config.root / settings.config_file))
    started = datetime.now(UTC)
    outcome = _passes(ctx, handle, settings, seed, st_args)
    write_plan(
        folder,
        {
            "seed": seed,
            "schema": "openapi.json",
            "config_file": settings.config_file,
            "last_operations": list(settings.last_operations),
            "service_env": ctx.service_env,
            "stack": ctx.stack,
            "base_url": ctx.base_url,
        },
    )
    _replay_failures(ctx, folder, report_dir, outcome)
    return _evidence(ctx, folder, report_dir, outcome, started)


def _passes(
    ctx: LayerContext, handle: StackHandle, settings: FuzzSettings, seed: int, st_args: list[str]
) -> _Outcome:
    """Schemathesis' passes over the document, the credential-revoking operations last."""
    folder = ctx.folder
    schema_file, report_dir, log = (
        folder / "openapi.json",
        folder / "schemathesis",
        folder / "schemathesis.log",
    )
    document = openapi.fetch(handle, ctx.config.root, schema_file)
    allowed = None if handle.writes else [n for n in operations(document) if handle.may_send(n)]
    plan = passes(document, list(settings.last_operations), allowed, settings.separate_identities)
    codes: list[int] = []
    argvs: list[list[str]] = []
    for name, filters in plan:
        headers = handle.headers
        if name != "main":
            # a credential of the pass's own: what it revokes or demotes is no other's
            headers = fresh_headers(handle, f"signoff-fuzz-{name}", settings.separate_identities)
        pass_settings = settings
        if name != "main" and settings.max_time > 0:
            # few operations: a short budget keeps the layer near max_time
            pass_settings = replace(settings, max_time=min(settings.max_time, LAST_PASS_MAX_TIME))
        argv = [
            *command(pass_settings, schema_file, handle.base_url, headers, report_dir, name, seed),
            *filters,
            *st_args,
        ]
        argvs.append(masked(argv, headers))
        codes.append(_schemathesis(argv, log, _timeout(settings), folder, headers))
    mode = (
        "read and write"
        if handle.writes
        else f"read-only ({len(allowed or [])} operations allowed)"
    )
    return _Outcome(document, plan, allowed, mode, seed, codes, argvs, {})


def _timeout(settings: FuzzSettings) -> float:
    """How long one pass may run before it is stopped."""
    budget = settings.max_time
    return float(budget + 120) if budget > 0 else float(settings.timeout)


def _replay_failures(ctx: LayerContext, folder: Path, report_dir: Path, out: _Outcome) -> None:
    """Replay the run's failures on a fresh stack, so the record can tell flaky from real."""
    failed = [
        f
        for name, _ in out.plan
        for f in junit_failures(report_dir / f"{name}-junit.xml")
        if f["kind"] == "failure"
    ]
    mark(failed, out.document)
    documented = {case_id for f in failed for case_id in f["documented"]}
    if not classify(failed, {})[0]:
        # nothing to replay (no failure, or only documented 5xx answers) is evidence too
        write_replay(folder, "replay", [], {})
        return
    try:
        out.verdicts = replay_run(ctx.config, folder, ctx.stack, ctx.base_url, skip=documented)
    except SignoffError as exc:
        out.replay_note = f"The failures could not be replayed: {exc.message}"


def _schemathesis(
    argv: list[str], log: Path, timeout: float, cwd: Path, headers: dict[str, str]
) -> int:
    with log.open("a", encoding="utf-8") as out:
        out.write("$ " + " ".join(masked(argv, headers)) + "\n")
        out.flush()
        try:
            done = children.run(argv, stdout=out, timeout=timeout, cwd=cwd)
        except FileNotFoundError as exc:
            raise StackError("Schemathesis is not installed (pip install schemathesis).") from exc
        except children.TimeoutExpired:
            out.write(f"Schemathesis did not finish within {timeout:g} s.\n")
            return -1
    return done.returncode


def _checks(
    ctx: LayerContext, report: dict[str, Any], failures: list[dict[str, Any]], out: _Outcome
) -> list[Check]:
    folder = ctx.folder
    report_dir = folder / "schemathesis"
    confirmed, flaky = classify(failures, out.verdicts)
    tested = int(report["operations"]["tested"]) if report else None
    unique = int(report["test_cases"]["unique_failures"]) if report else None
    errors = sum(int(e.get("count", 0)) for e in report.get("errors", [])) if report else None
    evidence = relative(ctx.run_dir, folder / "failures.md")
    return [
        failures_check(failures, confirmed, unique, out.replay_note, evidence),
        contract_check(failures, confirmed, unique, evidence),
        flaky_check(flaky, ctx.config.fuzz.fail_on_flaky, evidence),
        threshold_check("fuzzing errors", errors, "==", 0, "", relative(ctx.run_dir, folder)),
        threshold_check(
            "operations exercised",
            tested,
            ">=",
            len(_declared(out)),
            "",
            relative(ctx.run_dir, report_dir),
        ),
        refs_check(external_refs(out.document), relative(ctx.run_dir, folder / "openapi.json")),
    ]


def _declared(out: _Outcome) -> list[str]:
    """The operations the run had to exercise: all of them, or those a deployment allows."""
    return operations(out.document) if out.allowed is None else out.allowed


def _artifacts(ctx: LayerContext, folder: Path, report_dir: Path) -> dict[str, str]:
    kept = ["failures.json", "failures.md", "schemathesis.log", "openapi.json", "replay.json"]
    paths = [*(folder / name for name in [*kept, "replay.log"]), *report_dir.iterdir()]
    artifacts = {path.name: relative(ctx.run_dir, path) for path in paths if path.exists()}
    artifacts["failures"] = artifacts.pop("failures.json")
    return artifacts


def _evidence(
    ctx: LayerContext, folder: Path, report_dir: Path, out: _Outcome, started: datetime
) -> Evidence:
    declared_ops = _declared(out)
    report, failures = read_passes(report_dir, [name for name, _ in out.plan])
    mark(failures, out.document)
    write_failures(folder, failures, out.verdicts, out.replay_note)
    confirmed, flaky = classify(failures, out.verdicts)
    tested = int(report["operations"]["tested"]) if report else None
    cases = report.get("test_cases") or {}
    return Evidence(
        checks=_checks(ctx, report, failures, out),
        declared={"operations": len(declared_ops)},
        evaluated={"operations": tested or 0},
        figures={
            "seed": out.seed,
            "test_cases": cases.get("generated"),
            "unique_failures": int(report["test_cases"]["unique_failures"]) if report else None,
            "failing_test_cases": confirmed,
            "flaky_test_cases": flaky,
            "replay": out.verdicts,
            "failing_operations": len({f["operation"] for f in failures}),
            "running_time_s": report.get("running_time"),
            "wall_time_s": round((datetime.now(UTC) - started).total_seconds(), 3),
            "exit_codes": out.codes,
            "commands": [" ".join(a) for a in out.argvs],
            "mode": out.mode,
            "excluded_operations": sorted(set(operations(out.document)) - set(declared_ops)),
        },
        artifacts=_artifacts(ctx, folder, report_dir),
        tools={"schemathesis": version("schemathesis")},
        summary=f"{tested or 0} of {len(declared_ops)} operations, "
        f"{cases.get('generated', 0)} test cases, {len(confirmed)} failing and {len(flaky)} "
        f"flaky test cases, seed {out.seed} ({out.mode})",
    )


LAYER = Layer(
    "fuzz",
    "Schemathesis property-based fuzzing of the OpenAPI document.",
    work,
    stack="own",
    service_coverage=True,
)
