"""Run a pytest suite as a layer: JUnit XML and the record come from signoff's pytest plugin.

Declared layers of kind `pytest` (`[tool.signoff.layers.<name>]`) are this module's `LAYER`:
the suite runs in a child pytest, whose plugin writes its record by the same rule; the work
hands that record's evidence back to the harness, which judges it again and keeps it.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from signoff import covrc
from signoff.children import run_child
from signoff.layers import Layer, LayerContext
from signoff.records import Evidence, LayerRecord, load_record
from signoff.rundir import ENV_VAR, layer_dir


def work(ctx: LayerContext) -> Evidence:
    spec = ctx.spec
    assert spec is not None
    record = run_pytest_layer(
        ctx,
        ctx.name,
        list(spec.paths),
        extra=list(spec.args),
        env=dict(spec.env),
        coverage=spec.coverage,
    )
    return Evidence.of(record)


def coverage_args(ctx: LayerContext, layer: str, coverage: str) -> tuple[list[str], dict[str, str]]:
    """pytest arguments and env that collect the coverage a layer declares."""
    if coverage == "none":
        return [], {}
    coverage_dir = ctx.run_dir / "coverage"
    if coverage == "service":
        return ["--signoff-service-coverage"], {}
    rc = covrc.rcfile(coverage_dir, ctx.config.target)
    args = [f"--cov={name}" for name in ctx.config.target.coverage_packages]
    args += ["--cov-branch", "--cov-report=", f"--cov-config={rc}"]
    return args, {"COVERAGE_FILE": str(coverage_dir / f".coverage.{layer}")}


def run_pytest_layer(
    ctx: LayerContext,
    layer: str,
    paths: list[str],
    extra: list[str] | None = None,
    env: dict[str, str] | None = None,
    coverage: str = "service",
) -> LayerRecord:
    """Run pytest on `paths` in a child process and return the record its plugin wrote
    (EvidenceError when it wrote none: the session did not end)."""
    folder = layer_dir(ctx.run_dir, layer)
    cov_args, cov_env = coverage_args(ctx, layer, coverage)
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        f"--signoff-layer={layer}",
        f"--junitxml={folder / 'junit.xml'}",
        "-p",
        "no:cacheprovider",
        *cov_args,
        *(extra or []),
    ]
    if ctx.stack:
        argv.append(f"--stack={ctx.stack}")
    if ctx.base_url:
        argv.append(f"--base-url={ctx.base_url}")
    argv += ctx.args
    child_env = dict(os.environ)
    paths_env = [str(ctx.config.root / p) for p in ctx.config.target.python_path]
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [*paths_env, child_env.get("PYTHONPATH", "")])
    )
    child_env.update(env or {})
    child_env.update(cov_env)
    # The layer's run directory wins over any inherited one: the record must land here.
    child_env[ENV_VAR] = str(ctx.run_dir)
    run_child(argv, ctx.config.root, child_env)
    return load_record(folder, layer)


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


# A suite may ask for the `stack` fixture, which starts a stack of its own in the child.
LAYER = Layer("pytest", "a pytest suite", work, stack="own", stack_in_child=True)
