"""A declared pytest suite run under the service's own interpreter, where signoff is not
installed: plain pytest, judged on its exit code and its JUnit file.

signoff's plugin and fixtures are not there, so the suite reaches the service through its
layer's `env` (with `stack = "own"`, the placeholders of a stack the harness started).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from signoff import covrc
from signoff.children import TimeoutExpired, run_child
from signoff.layers import LayerContext
from signoff.layers.run import stack_options
from signoff.records import FAILED_TESTS, Check, Evidence, Status
from signoff.rundir import ENV_VAR, layer_dir
from signoff.stack import interpreter

# pytest's exit codes that are a verdict on the tests (0 passed, 1 some failed)
VERDICT_CODES = (0, 1)


def junit_counts(path: Path) -> dict[str, int] | None:
    """tests, failed (failures + errors) and skipped of a JUnit XML file; None if unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if not suites:
        return None

    def total(key: str) -> int:
        return sum(int(s.get(key) or 0) for s in suites)

    return {
        "tests": total("tests"),
        "failed": total("failures") + total("errors"),
        "skipped": total("skipped"),
    }


def relative(run_dir: Path, path: Path) -> str:
    return os.path.relpath(path, run_dir)


def run_plain(ctx: LayerContext, python: str, env: dict[str, str]) -> Evidence:
    """Run the layer's suite under `python`; its JUnit file and exit code are the evidence."""
    spec = ctx.spec
    assert spec is not None
    interpreter.require(python, "pytest", f"runs the layer {ctx.name!r}")
    folder = layer_dir(ctx.run_dir, ctx.name)
    junit = folder / "junit.xml"
    argv = [python, "-m", "pytest", *spec.paths, f"--junitxml={junit}", "-p", "no:cacheprovider"]
    argv += [*spec.args, *stack_options(ctx).args]
    paths = [str(ctx.config.root / p) for p in ctx.config.target.python_path]
    child_env = {**os.environ, **env, ENV_VAR: str(ctx.run_dir)}
    if spec.coverage == "tests":
        coverage_dir = ctx.run_dir / "coverage"
        rc = covrc.rcfile(coverage_dir, ctx.config.target)
        paths.append(interpreter.coverage_path(python, coverage_dir))
        argv[1:1] = ["-m", "coverage", "run", f"--rcfile={rc}"]
        child_env["COVERAGE_FILE"] = str(coverage_dir / f".coverage.{ctx.name}")
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [*paths, os.environ.get("PYTHONPATH", "")])
    )
    log = folder / "output.log"
    with log.open("w", encoding="utf-8") as out:
        try:
            code: int | None = run_child(
                argv, ctx.config.root, child_env, stdout=out, timeout=spec.timeout_s
            )
        except TimeoutExpired:
            code = None
    return _evidence(ctx, code, junit, log)


def _evidence(ctx: LayerContext, code: int | None, junit: Path, log: Path) -> Evidence:
    counts = junit_counts(junit)
    kept = {"output": relative(ctx.run_dir, log)}
    if junit.exists():
        kept["junit"] = relative(ctx.run_dir, junit)
    if counts is None or code not in VERDICT_CODES:
        said = "did not finish in time" if code is None else f"exited with code {code}"
        check = Check(
            FAILED_TESTS,
            Status.INCONCLUSIVE,
            message=f"pytest {said} without a verdict on the tests; read {kept['output']}.",
            evidence=kept["output"],
        )
        return Evidence(
            checks=[check], declared={"tests": 1}, evaluated={"tests": 0}, artifacts=kept
        )
    failed, tests, skipped = counts["failed"], counts["tests"], counts["skipped"]
    status = Status.PASS if failed == 0 and code == 0 else Status.FAIL
    message = f"{failed} of {tests} tests failed." if failed else ""
    check = Check(FAILED_TESTS, status, failed, 0, "==", "", message, kept["junit"])
    return Evidence(
        checks=[check],
        declared={"tests": tests},
        evaluated={"tests": tests - skipped},
        figures={"passed": tests - failed - skipped, "failed": failed, "skipped": skipped},
        artifacts=kept,
        summary=f"{tests - failed - skipped} passed, {failed} failed, {skipped} skipped "
        f"of {tests} collected",
    )
