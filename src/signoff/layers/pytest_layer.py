"""Run a pytest suite as a layer: JUnit XML and the record come from signoff's pytest plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from signoff.layers import LayerContext
from signoff.records import LayerRecord, read_record
from signoff.rundir import ENV_VAR, layer_dir


def run_pytest_layer(
    ctx: LayerContext,
    layer: str,
    paths: list[str],
    extra: list[str] | None = None,
    env: dict[str, str] | None = None,
    service_coverage: bool = True,
) -> LayerRecord:
    """Run pytest on `paths` in a child process and return the record its plugin wrote."""
    folder = layer_dir(ctx.run_dir, layer)
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        f"--signoff-layer={layer}",
        f"--junitxml={folder / 'junit.xml'}",
        "-p",
        "no:cacheprovider",
        *(extra or []),
    ]
    if ctx.stack:
        argv.append(f"--stack={ctx.stack}")
    if ctx.base_url:
        argv.append(f"--base-url={ctx.base_url}")
    if service_coverage:
        argv.append("--signoff-service-coverage")
    argv += ctx.args
    child_env = dict(os.environ)
    stack_dir = ctx.config.root / str(ctx.config.section("stack")["path"])
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(stack_dir), child_env.get("PYTHONPATH", "")])
    )
    child_env.update(env or {})
    # The layer's run directory wins over any inherited one: the record must land here.
    child_env[ENV_VAR] = str(ctx.run_dir)
    subprocess.run(argv, cwd=ctx.config.root, env=child_env, check=False)
    return read_record(folder, layer)


def relative(run_dir: Path, path: Path) -> str:
    return os.path.relpath(path, run_dir)
