"""Patch coverage: the lines a change touches (git diff against its base) and how many of them
the run's combined coverage data executed, per measured source file.

The changed lines come from `git diff -U0` of the working tree against the merge base of the
base ref and HEAD (commits and uncommitted edits alike) plus every untracked file whole; the
measured lines from coverage.py's JSON report of the combined data, so only lines coverage.py
counts as statements are held against the threshold.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff import children

BASE_ENV = "SIGNOFF_BASE_REF"
GITHUB_BASE_ENV = "GITHUB_BASE_REF"  # set by GitHub Actions on pull_request events
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_GIT_TIMEOUT = 60


class BaseUnknown(Exception):
    """The change's base could not be found; the message is one sentence for the record."""


def base_ref(configured: str, env: Mapping[str, str] | None = None) -> str:
    """The ref the change is measured against: `--base`/SIGNOFF_BASE_REF, else a pull
    request's base branch in GitHub Actions, else `[coverage] base`."""
    env = os.environ if env is None else env
    if env.get(BASE_ENV):
        return env[BASE_ENV]
    if env.get(GITHUB_BASE_ENV):
        return f"origin/{env[GITHUB_BASE_ENV]}"
    return configured


def _git(root: Path, *args: str) -> str:
    try:
        done = children.run(["git", "-C", str(root), *args], capture=True, timeout=_GIT_TIMEOUT)
    except (OSError, children.TimeoutExpired) as exc:
        raise BaseUnknown(f"git could not be run in {root} ({exc})") from exc
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise BaseUnknown(f"git {args[0]} failed in {root}: {first}")
    return done.stdout


@dataclass(frozen=True)
class Change:
    """What a change touched: added or modified lines per file and the untracked files, every
    line of which is new (paths from the repository's top level), the base ref and the merge
    base the diff was taken against."""

    toplevel: Path
    base: str
    merge_base: str
    lines: dict[str, set[int]]
    untracked: frozenset[str] = frozenset()


def changed_lines(root: Path, base: str) -> Change:
    """The lines the working tree changes against the merge base of `base` and HEAD."""
    toplevel = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except BaseUnknown:
        raise BaseUnknown(
            f"the base {base!r} is not a commit in {toplevel} (a shallow clone, or a branch "
            "never fetched: check out with full history or pass --base)"
        ) from None
    merge_base = _git(root, "merge-base", base, "HEAD").strip()
    diff = _git(
        root, "-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff",
        "--no-prefix", "-M", merge_base, "--",
    )  # fmt: skip
    # untracked files are named, never read: only a measured one's statements count
    untracked = _git(toplevel, "ls-files", "--others", "--exclude-standard", "-z")
    names = frozenset(filter(None, untracked.split("\0")))
    return Change(toplevel, base, merge_base, parse_diff(diff), names)


def parse_diff(text: str) -> dict[str, set[int]]:
    """The added lines per file of a `git diff -U0 --no-prefix`; deleted files are left out."""
    found: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            current = None if name == "/dev/null" else found.setdefault(name, set())
            continue
        match = _HUNK.match(line)
        if match is not None and current is not None:
            start = int(match.group(1))
            count = 1 if match.group(2) is None else int(match.group(2))
            current.update(range(start, start + count))
    return {name: lines for name, lines in found.items() if lines}


def _unquote(name: str) -> str:
    """git quotes a path with unusual characters in C style; undo the common escapes."""
    if len(name) >= 2 and name[0] == name[-1] == '"':
        raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return name


@dataclass(frozen=True)
class FilePatch:
    """One measured file's changed statements and which of them did not run."""

    path: str  # relative to the repository's top level
    changed: int
    uncovered: list[int] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return self.changed - len(self.uncovered)


@dataclass(frozen=True)
class PatchCoverage:
    """The changed statements of every measured file a change touched."""

    base: str
    merge_base: str
    files: list[FilePatch]

    @property
    def changed(self) -> int:
        return sum(f.changed for f in self.files)

    @property
    def covered(self) -> int:
        return sum(f.covered for f in self.files)

    @property
    def percent(self) -> float | None:
        return None if self.changed == 0 else 100.0 * self.covered / self.changed

    def uncovered(self) -> dict[str, str]:
        """Each file with uncovered changed lines, as ranges: `{"app.py": "12-30, 41"}`."""
        return {f.path: ranges(f.uncovered) for f in self.files if f.uncovered}

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "merge_base": self.merge_base,
            "percent": None if self.percent is None else round(self.percent, 2),
            "changed_lines": self.changed,
            "covered_lines": self.covered,
            "files": {
                f.path: {
                    "changed": f.changed,
                    "covered": f.covered,
                    "uncovered": ranges(f.uncovered),
                }
                for f in self.files
            },
        }


def measure(change: Change, report: Mapping[str, Any], cwd: Path) -> PatchCoverage:
    """Hold the change against coverage.py's JSON report, whose file names are relative to
    `cwd` (the directory the report was made in) or absolute."""
    statements: dict[str, tuple[set[int], set[int]]] = {}
    for name, data in report.get("files", {}).items():
        absolute = os.path.realpath(cwd / name)
        executed = {int(n) for n in data.get("executed_lines", [])}
        missing = {int(n) for n in data.get("missing_lines", [])}
        statements[absolute] = (executed | missing, missing)
    files: list[FilePatch] = []
    for path in sorted(set(change.lines) | change.untracked):
        measured = statements.get(os.path.realpath(change.toplevel / path))
        if measured is None:
            continue  # not a measured source file: tests, docs, config
        counted = measured[0] if path in change.untracked else change.lines[path] & measured[0]
        if counted:
            files.append(FilePatch(path, len(counted), sorted(counted & measured[1])))
    return PatchCoverage(change.base, change.merge_base, files)


def ranges(lines: Iterable[int]) -> str:
    """Line numbers as runs: `[12, 13, 14, 41]` as `12-14, 41`."""
    ordered = sorted(set(lines))
    runs: list[str] = []
    start = prev = None
    for number in [*ordered, None]:
        if number is not None and prev is not None and number == prev + 1:
            prev = number
            continue
        if start is not None:
            runs.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = number
    return ", ".join(runs)
