"""A user's layer of kind `command`: any program; its exit code and JUnit file are the evidence."""

from __future__ import annotations

import os

from signoff.children import TimeoutExpired, run_child
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import junit_counts, relative
from signoff.records import Check, Clock, LayerRecord, Status, judge, write_record
from signoff.rundir import ENV_VAR, layer_dir
from signoff.target import expand


def run(ctx: LayerContext) -> LayerRecord:
    spec = ctx.spec
    assert spec is not None
    folder = layer_dir(ctx.run_dir, ctx.name)
    values = {"layer_dir": str(folder), "run_dir": str(ctx.run_dir), "root": str(ctx.config.root)}
    argv = [expand(p, values, f"layers.{ctx.name}.command") for p in [*spec.command, *spec.args]]
    argv += ctx.args
    env = {**os.environ, **spec.env, ENV_VAR: str(ctx.run_dir)}
    log = folder / "output.log"
    clock = Clock.start()
    with log.open("w", encoding="utf-8") as out:
        try:
            code: int | None = run_child(
                argv, ctx.config.root, env, stdout=out, timeout=spec.timeout_s
            )
            problem = "" if code == 0 else f"{argv[0]} exited with code {code}; read output.log."
        except FileNotFoundError:
            code, problem = None, f"The command {argv[0]!r} was not found."
        except TimeoutExpired:
            code, problem = None, f"The command did not finish within {spec.timeout_s:g} s."
    checks = [
        Check(
            "exit code",
            Status.INCONCLUSIVE if code is None else Status.PASS if code == 0 else Status.FAIL,
            code,
            0,
            "==",
            "",
            problem,
            relative(ctx.run_dir, log),
        )
    ]
    declared: dict[str, int] = {"commands": 1}
    evaluated: dict[str, int] = {"commands": 0 if code is None else 1}
    artifacts = {"output": relative(ctx.run_dir, log)}
    if spec.junit:
        junit = folder / expand(spec.junit, values, f"layers.{ctx.name}.junit")
        counts = junit_counts(junit)
        declared["tests"] = counts["tests"] if counts else 1
        evaluated["tests"] = counts["tests"] - counts["skipped"] if counts else 0
        failed = counts["failed"] if counts else None
        checks.append(
            Check(
                "failed tests",
                Status.INCONCLUSIVE
                if failed is None
                else Status.PASS
                if failed == 0
                else Status.FAIL,
                failed,
                0,
                "==",
                "",
                f"The JUnit file {junit.name} is missing or unreadable."
                if failed is None
                else f"{failed} of {counts['tests'] if counts else 0} tests failed."
                if failed
                else "",
                relative(ctx.run_dir, junit),
            )
        )
        if junit.exists():
            artifacts["junit"] = relative(ctx.run_dir, junit)
    status, reasons = judge(checks, declared, evaluated)
    record = LayerRecord(
        layer=ctx.name,
        status=status,
        summary=f"{' '.join(argv)[:120]} exited {code}",
        declared=declared,
        evaluated=evaluated,
        checks=checks,
        artifacts=artifacts,
        reasons=reasons,
        **clock.times(),
    )
    write_record(folder, record)
    return record
