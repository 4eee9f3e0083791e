"""Run a pytest suite as a layer: JUnit XML and the record come from signoff's pytest plugin.

Declared layers of kind `pytest` (`[tool.signoff.layers.<name>]`) are this module's `LAYER`:
the suite runs in a child pytest, whose plugin writes its record by the same rule; the work
hands that record's evidence back to the harness, which judges it again and keeps it. Under
the service's own interpreter (`target.python`) without signoff, it runs as plain pytest
(`pytest_plain`). With `stack = "own"` the harness starts the stack and the suite gets its
placeholders through the layer's `env`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from signoff import covrc
from signoff.children import run_child
from signoff.errors import ConfigError
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_plain import junit_counts, relative, run_plain
from signoff.records import Evidence, LayerRecord, load_record
from signoff.rundir import ENV_VAR, layer_dir
from signoff.stack import interpreter
from signoff.target import expand, stack_placeholders

__all__ = ["LAYER", "coverage_args", "junit_counts", "layer_env", "relative", "run_pytest_layer"]


def work(ctx: LayerContext) -> Evidence:
    spec = ctx.spec
    assert spec is not None
    python = interpreter.resolve(ctx.config.root, ctx.config.target.python)
    env = layer_env(ctx, python)
    if not interpreter.own(python) and not interpreter.has_module(python, "signoff"):
        return run_plain(ctx, python, env)
    if ctx.handle is not None:  # the suite's `stack` fixture reaches the harness's stack
        ctx = replace(ctx, stack="url", base_url=ctx.handle.base_url)
    record = run_pytest_layer(
        ctx,
        ctx.name,
        list(spec.paths),
        extra=list(spec.args),
        env=env,
        coverage="none" if ctx.handle is not None and spec.coverage == "service" else spec.coverage,
        python=python,
    )
    return Evidence.of(record)


def layer_env(ctx: LayerContext, python: str) -> dict[str, str]:
    """The layer's `env` with its placeholders filled from the stack it runs against."""
    spec = ctx.spec
    assert spec is not None
    root = str(ctx.config.root)
    handle = ctx.handle
    values = (
        {"root": root, "python": python}
        if handle is None
        else stack_placeholders(handle.base_url, handle.services, root, python)
    )
    try:
        return {k: expand(v, values, f"layers.{ctx.name}.env.{k}") for k, v in spec.env.items()}
    except ConfigError as exc:
        if handle is not None:
            raise
        raise ConfigError(
            exc.message,
            hint=f'set stack = "own" in [layers.{ctx.name}] to run it against a stack of '
            "its own, whose placeholders its env may name.",
        ) from None


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
    python: str = sys.executable,
) -> LayerRecord:
    """Run pytest on `paths` in a child process and return the record its plugin wrote
    (EvidenceError when it wrote none: the session did not end)."""
    folder = layer_dir(ctx.run_dir, layer)
    cov_args, cov_env = coverage_args(ctx, layer, coverage)
    argv = [
        python,
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


# A suite may ask for the `stack` fixture, which starts a stack of its own in the child.
LAYER = Layer("pytest", "a pytest suite", work, stack="own", stack_in_child=True)
