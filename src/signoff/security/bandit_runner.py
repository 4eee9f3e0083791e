"""Run bandit over source folders and read its JSON report into findings with stable ids.

A finding's id is `<test id>:<path>:<hash>`, the hash taken over the flagged line's text, so a
waiver keeps matching when unrelated lines move and stops matching when the line itself changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff import children
from signoff.errors import EvidenceError

SEVERITIES = ("LOW", "MEDIUM", "HIGH")


@dataclass(frozen=True)
class Finding:
    """One bandit result, identified independently of its line number."""

    id: str
    test_id: str
    severity: str
    confidence: str
    path: str
    line: int
    text: str
    cwe: int | None = None


@dataclass(frozen=True)
class BanditResult:
    """What bandit scanned and found; `failed_files` are files it could not parse."""

    findings: list[Finding]
    scanned_files: list[str]
    failed_files: dict[str, str] = field(default_factory=dict)
    version: str = ""

    @property
    def evaluated_files(self) -> int:
        return len([f for f in self.scanned_files if f not in self.failed_files])


def finding_id(test_id: str, path: str, line_text: str) -> str:
    digest = hashlib.sha256(f"{test_id}\0{path}\0{line_text.strip()}".encode()).hexdigest()
    return f"{test_id}:{path}:{digest[:8]}"


def _line(root: Path, path: str, number: int) -> str:
    try:
        lines = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[number - 1] if 0 < number <= len(lines) else ""


def parse(report: dict[str, Any], root: Path) -> BanditResult:
    """Findings, scanned files and unparsable files from bandit's JSON report."""
    try:
        scanned = sorted(name for name in report["metrics"] if name != "_totals")
        findings = []
        for item in report["results"]:
            path = _relative(root, str(item["filename"]))
            line = int(item["line_number"])
            findings.append(
                Finding(
                    id=finding_id(str(item["test_id"]), path, _line(root, path, line)),
                    test_id=str(item["test_id"]),
                    severity=str(item["issue_severity"]).upper(),
                    confidence=str(item["issue_confidence"]).upper(),
                    path=path,
                    line=line,
                    text=str(item["issue_text"]),
                    cwe=(item.get("issue_cwe") or {}).get("id"),
                )
            )
        failed = {
            _relative(root, str(e["filename"])): str(e.get("reason", ""))
            for e in report.get("errors", [])
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise EvidenceError(
            f"The bandit report does not have the expected shape: {exc!r}."
        ) from exc
    return BanditResult(findings, [_relative(root, s) for s in scanned], failed)


def _relative(root: Path, name: str) -> str:
    path = Path(name)
    if path.is_absolute():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def run_bandit(
    paths: list[Path], root: Path, output: Path, config: Path | None = None, timeout: float = 300
) -> BanditResult:
    """Run bandit on `paths` (relative to `root` where possible) and write its JSON to `output`."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise EvidenceError(
            f"bandit was asked to scan {missing[0]}, which does not exist.",
            hint="fix [tool.signoff.audit] bandit_paths.",
        )
    targets = [os.path.relpath(p, root) if p.is_relative_to(root) else str(p) for p in paths]
    argv = [sys.executable, "-m", "bandit", "-r", *targets, "-f", "json", "-o", str(output), "-q"]
    if config is not None:
        argv += ["-c", str(config)]
    try:
        done = children.run(argv, cwd=root, capture=True, timeout=timeout)
    except children.TimeoutExpired as exc:
        raise EvidenceError(f"bandit did not finish within {timeout:g} s.") from exc
    # bandit exits 1 when it found something; anything else non-zero is a failed run
    if done.returncode not in (0, 1) or not output.is_file():
        tail = (done.stderr or done.stdout).strip()[-300:]
        raise EvidenceError(f"bandit failed (exit {done.returncode}): {tail or 'no output'}.")
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EvidenceError(f"bandit's report {output} is not JSON: {exc}.") from exc
    result = parse(report, root)
    return BanditResult(result.findings, result.scanned_files, result.failed_files, _version())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bandit")
    except PackageNotFoundError:
        return ""
