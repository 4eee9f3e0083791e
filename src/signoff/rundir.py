"""Run directories: `reports/<run-id>/`, one folder per layer, and `reports/latest`.

The command that starts a run chooses its directory once (`--run`, or a new one) and passes it
down; its child processes (pytest, Locust) get it through SIGNOFF_RUN_DIR. Nothing else makes
runs: `signoff stack up`, benchmarks and a plain `pytest` write to temporary folders instead.
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


def from_env() -> Path | None:
    """The run directory handed down by the command that started this process, if any."""
    given = os.environ.get(ENV_VAR)
    if not given:
        return None
    path = Path(given).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def choose(root: Path, name: str | None) -> Path:
    """The run a layer command writes into: `--run NAME` (made if new), SIGNOFF_RUN_DIR, or new."""
    if name:
        path = Path(name) if ("/" in name or Path(name).is_dir()) else root / name
        path = path.resolve()
        path.mkdir(parents=True, exist_ok=True)
        if path.parent == root.resolve():
            point_latest(path)
        return path
    return from_env() or create(root)


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
