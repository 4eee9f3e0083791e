"""A user's layer of kind `command`: any program; its exit code and JUnit file are the evidence."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from signoff.children import TimeoutExpired, run_child
from signoff.declared import LayerSpec
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import junit_counts, relative
from signoff.records import FAILED_TESTS, Check, Evidence, Status
from signoff.rundir import ENV_VAR
from signoff.target import expand


def _status(failed: int | None) -> Status:
    """A count of failures as a verdict: unknown is INCONCLUSIVE, none is PASS."""
    if failed is None:
        return Status.INCONCLUSIVE
    return Status.PASS if failed == 0 else Status.FAIL


def _run(ctx: LayerContext, spec: LayerSpec, argv: list[str], log: Path) -> tuple[int | None, str]:
    """The program's exit code (None when it did not finish) and why it did not pass."""
    env = {**os.environ, **spec.env, ENV_VAR: str(ctx.run_dir)}
    with log.open("w", encoding="utf-8") as out:
        try:
            code = run_child(argv, ctx.config.root, env, stdout=out, timeout=spec.timeout_s)
        except FileNotFoundError:
            return None, f"The command {argv[0]!r} was not found."
        except TimeoutExpired:
            return None, f"The command did not finish within {spec.timeout_s:g} s."
    return code, "" if code == 0 else f"{argv[0]} exited with code {code}; read output.log."


def _junit(ctx: LayerContext, junit: Path, found: Evidence) -> Evidence:
    """The program's JUnit file: its tests declared and evaluated, its failures a check."""
    counts = junit_counts(junit)
    failed = counts["failed"] if counts else None
    if failed is None:
        message = f"The JUnit file {junit.name} is missing or unreadable."
    else:
        message = f"{failed} of {counts['tests'] if counts else 0} tests failed." if failed else ""
    check = Check(
        FAILED_TESTS, _status(failed), failed, 0, "==", "", message, relative(ctx.run_dir, junit)
    )
    counted = counts["tests"] - counts["skipped"] if counts else 0
    kept = {"junit": relative(ctx.run_dir, junit)} if junit.exists() else {}
    return replace(
        found,
        checks=[*found.checks, check],
        declared={**found.declared, "tests": counts["tests"] if counts else 1},
        evaluated={**found.evaluated, "tests": counted},
        artifacts={**found.artifacts, **kept},
    )


def work(ctx: LayerContext) -> Evidence:
    spec = ctx.spec
    assert spec is not None
    values = {
        "layer_dir": str(ctx.folder),
        "run_dir": str(ctx.run_dir),
        "root": str(ctx.config.root),
    }
    argv = [expand(p, values, f"layers.{ctx.name}.command") for p in [*spec.command, *spec.args]]
    argv += ctx.args
    log = ctx.folder / "output.log"
    code, problem = _run(ctx, spec, argv, log)
    exit_status = _status(None if code is None else int(code != 0))
    found = Evidence(
        checks=[
            Check("exit code", exit_status, code, 0, "==", "", problem, relative(ctx.run_dir, log))
        ],
        declared={"commands": 1},
        evaluated={"commands": 0 if code is None else 1},
        artifacts={"output": relative(ctx.run_dir, log)},
        summary=f"{' '.join(argv)[:120]} exited {code}",
    )
    if spec.junit:
        found = _junit(
            ctx, ctx.folder / expand(spec.junit, values, f"layers.{ctx.name}.junit"), found
        )
    return found


LAYER = Layer("command", "a program of the user's", work)
