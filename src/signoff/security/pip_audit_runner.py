"""Run pip-audit on a pinned requirements file against a chosen advisory source.

Sources: `offline` (the loopback OSV endpoint over a local advisory snapshot), `osv` (the public
OSV service) and `pypi` (pip-audit's default). Every requirement the file names must come back
audited: a dependency pip-audit skipped, or one it never mentions, counts as not evaluated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from signoff.errors import ConfigError, EvidenceError
from signoff.security import cvss
from signoff.security.advisories import AdvisoryDB

SOURCES = ("offline", "osv", "pypi")


@dataclass(frozen=True)
class Vulnerability:
    """A known vulnerability of one pinned dependency."""

    id: str
    package: str
    version: str
    fix_versions: list[str]
    aliases: list[str]
    severity: str
    description: str = ""

    @property
    def fixable(self) -> bool:
        return bool(self.fix_versions)


@dataclass(frozen=True)
class AuditResult:
    """Which requirements were audited, which were skipped (and why), and what was found."""

    requirements: list[str]
    audited: dict[str, str]  # name -> version
    skipped: dict[str, str]  # name -> reason
    vulns: list[Vulnerability] = field(default_factory=list)
    version: str = ""

    @property
    def not_audited(self) -> dict[str, str]:
        """Each requirement without an audit result and the reason, skipped or never reported."""
        missing = {
            n: self.skipped.get(n, "pip-audit reported nothing for it")
            for n in self.requirements
            if n not in self.audited
        }
        return missing | {n: r for n, r in self.skipped.items() if n not in missing}


def requirement_names(path: Path) -> list[str]:
    """The normalized names a requirements file pins (options and includes are left to pip)."""
    if not path.is_file():
        raise ConfigError(
            f"The requirements file {path} does not exist.",
            hint="set [tool.signoff.audit] requirements to the stack's pinned set.",
        )
    names: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            names.append(canonicalize_name(Requirement(line.split(";")[0]).name))
        except InvalidRequirement as exc:
            raise ConfigError(f"{path}: {line!r} is not a valid requirement: {exc}.") from exc
    return names


def parse(report: dict[str, Any], requirements: list[str], db: AdvisoryDB | None) -> AuditResult:
    """Read pip-audit's JSON (`-f json`) into an AuditResult."""
    audited: dict[str, str] = {}
    skipped: dict[str, str] = {}
    vulns: list[Vulnerability] = []
    try:
        for dep in report["dependencies"]:
            name = canonicalize_name(str(dep["name"]))
            if "skip_reason" in dep or "vulns" not in dep:
                skipped[name] = str(dep.get("skip_reason") or "no audit result")
                continue
            audited[name] = str(dep["version"])
            for item in dep["vulns"]:
                vulns.append(
                    Vulnerability(
                        id=str(item["id"]),
                        package=name,
                        version=str(dep["version"]),
                        fix_versions=[str(v) for v in item.get("fix_versions") or []],
                        aliases=[str(a) for a in item.get("aliases") or []],
                        severity=rate(db, [str(item["id"]), *item.get("aliases", [])]),
                        description=str(item.get("description") or "")[:300],
                    )
                )
    except (KeyError, TypeError) as exc:
        raise EvidenceError(
            f"The pip-audit report does not have the expected shape: {exc!r}."
        ) from exc
    return AuditResult(requirements, audited, skipped, vulns)


def rate(db: AdvisoryDB | None, ids: list[str]) -> str:
    """The severity of an advisory from its CVSS v3 vector in the snapshot; UNKNOWN without one."""
    for ident in ids:
        advisory = db.by_id.get(ident) if db is not None else None
        for entry in (advisory or {}).get("severity") or []:
            if str(entry.get("type", "")).startswith("CVSS_V3"):
                return cvss.severity(cvss.base_score(str(entry.get("score", ""))))
    return "UNKNOWN"


def run_pip_audit(
    requirements: Path,
    output: Path,
    source: str,
    osv_url: str | None = None,
    db: AdvisoryDB | None = None,
    timeout: float = 300,
) -> AuditResult:
    """Audit `requirements` (pinned, no resolution) and write pip-audit's JSON to `output`."""
    if source not in SOURCES:
        raise ConfigError(
            f"Unknown advisory source {source!r}; choose one of {', '.join(SOURCES)}."
        )
    names = requirement_names(requirements)
    output.unlink(missing_ok=True)
    argv = [
        sys.executable,
        "-m",
        "pip_audit",
        "-r",
        str(requirements),
        "--no-deps",
        "--disable-pip",
        "-f",
        "json",
        "-o",
        str(output),
        "--progress-spinner",
        "off",
        "--cache-dir",
        "",  # filled in below: a throwaway cache, so no earlier answer is reused
    ]
    if source in ("offline", "osv"):
        argv += ["-s", "osv"]
        if osv_url:
            argv += ["--osv-url", osv_url]
    env = dict(os.environ, PIP_NO_INPUT="1")
    with tempfile.TemporaryDirectory(prefix="pip-audit-cache-") as cache:
        argv[argv.index("--cache-dir") + 1] = cache
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise EvidenceError(f"pip-audit did not finish within {timeout:g} s.") from exc
    (output.parent / "pip-audit.log").write_text(done.stderr, encoding="utf-8")
    if not output.is_file() or output.stat().st_size == 0:
        reason = _last_error(done.stderr)
        raise EvidenceError(f"pip-audit wrote no report (exit {done.returncode}): {reason}.")
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EvidenceError(f"pip-audit's report {output} is not JSON: {exc}.") from exc
    result = parse(report, names, db)
    return AuditResult(
        result.requirements, result.audited, result.skipped, result.vulns, _version()
    )


def _last_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln]
    return (errors or lines or ["no output"])[-1].strip()[:300]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pip-audit")
    except PackageNotFoundError:
        return ""
