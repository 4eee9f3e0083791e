"""The two builds' code: a git ref checked out with `git worktree add` into a temporary folder,
a folder, or the project itself; and the configuration pointed at one of them.

Only the target's commands and PYTHONPATH point into those trees: the harness, its
configuration and the load scripts stay the current ones, so both builds are measured by the
same instrument.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from signoff import children
from signoff.config import Config
from signoff.errors import UsageError


def _git(root: Path, *args: str) -> str:
    done = children.run(["git", "-C", str(root), *args], capture=True)
    if done.returncode != 0:
        raise UsageError(
            f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}.",
            hint="name a commit, branch or tag of this repository (e.g. HEAD~1 or v1.2.0).",
        )
    return done.stdout.strip()


@contextmanager
def tree(root: Path, source: str | None) -> Iterator[Path]:
    """The folder that holds one side's code: a git ref's worktree, a folder, or the project."""
    if source is None:
        yield root
        return
    if Path(source).is_dir():
        yield Path(source).resolve()
        return
    commit = _git(root, "rev-parse", "--verify", f"{source}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix="signoff-compare-"))
    _git(root, "worktree", "add", "--detach", str(folder / "tree"), commit)
    try:
        yield folder / "tree"
    finally:
        with suppress(UsageError):
            _git(root, "worktree", "remove", "--force", str(folder / "tree"))
        shutil.rmtree(folder, ignore_errors=True)
        with suppress(UsageError):
            _git(root, "worktree", "prune")


def retarget(config: Config, folder: Path, env: dict[str, str] | None = None) -> Config:
    """The configuration with the target's commands and PYTHONPATH taken from `folder`."""
    target = config.target

    def place(path: str) -> str:
        return str((folder / path).resolve()) if path else ""

    processes = {
        name: dataclasses.replace(proc, cwd=place(proc.cwd))
        for name, proc in target.processes.items()
    }
    moved = dataclasses.replace(
        target,
        cwd=place(target.cwd),
        python_path=[place(p) for p in target.python_path],
        processes=processes,
        env={**target.env, **(env or {})},
    )
    return dataclasses.replace(config, target=moved)
