"""Which commit and branch a run tested: SIGNOFF_COMMIT / SIGNOFF_BRANCH, then the CI's
variables (GitHub Actions, GitLab CI), then git itself; "" when none can say."""

from __future__ import annotations

import os
from pathlib import Path

from signoff import children

COMMIT_VARS = ("SIGNOFF_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA")
# a pull request's own branch (GITHUB_HEAD_REF) before the ref it was merged into
BRANCH_VARS = ("SIGNOFF_BRANCH", "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME")


def _git(root: Path, *args: str) -> str:
    try:
        done = children.run(["git", "-C", str(root), *args], capture=True, timeout=10)
    except (OSError, children.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _first(names: tuple[str, ...]) -> str:
    return next((os.environ[n] for n in names if os.environ.get(n)), "")


def revision(root: Path) -> tuple[str, str]:
    """The commit and branch of the code under `root` (a detached HEAD has no branch)."""
    commit = _first(COMMIT_VARS) or _git(root, "rev-parse", "HEAD")
    branch = _first(BRANCH_VARS) or _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return commit, "" if branch == "HEAD" else branch
