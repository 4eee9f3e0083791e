"""Run directories: `reports/<run-id>/`, one folder per layer, and `reports/latest`.

A process that belongs to a run finds it through the SIGNOFF_RUN_DIR environment variable, so
nox sessions, pytest and stack providers started by `signoff run` all write into one place.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

ENV_VAR = "SIGNOFF_RUN_DIR"
LATEST = "latest"


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id such as 20261125-042301-3fa2."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


def create(root: Path) -> Path:
    """Make a new run directory under `root` and point `root/latest` at it."""
    root.mkdir(parents=True, exist_ok=True)
    run = root / new_run_id()
    run.mkdir()
    point_latest(run)
    return run


def point_latest(run: Path) -> None:
    """Replace `latest` atomically with a relative symlink to `run`."""
    link = run.parent / LATEST
    tmp = run.parent / f".{LATEST}-{secrets.token_hex(4)}"
    tmp.symlink_to(run.name)
    os.replace(tmp, link)


def current(root: Path) -> Path:
    """The run directory of this process: SIGNOFF_RUN_DIR if set, else a new one (exported)."""
    given = os.environ.get(ENV_VAR)
    if given:
        path = Path(given).resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    run = create(root)
    os.environ[ENV_VAR] = str(run)
    return run


def layer_dir(run: Path, layer: str) -> Path:
    """The folder of one layer's artifacts and record inside a run."""
    folder = run / layer
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def resolve(root: Path, name: str | None) -> Path:
    """A run directory from a path or run id; `latest` when `name` is None."""
    if name is None:
        candidate = root / LATEST
    else:
        candidate = Path(name)
        if not candidate.exists():
            candidate = root / name
    return candidate.resolve()
