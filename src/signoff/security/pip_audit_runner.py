"""Run pip-audit on a pinned requirements file against a chosen advisory source.

Sources: `offline` (the loopback OSV endpoint over a local advisory snapshot), `osv` (the public
OSV service) and `pypi` (pip-audit's default). Every requirement the file names must come back
audited: a dependency pip-audit skipped, or one it never mentions, counts as not evaluated.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from signoff import children
from signoff.errors import ConfigError, EvidenceError
from signoff.security.advisories import AdvisoryDB
from signoff.security.severity import UNRATED, Rating, rate

SOURCES = ("offline", "osv", "pypi")


@dataclass(frozen=True)
class Vulnerability:
    """A known vulnerability of one pinned dependency; `severity` is one of RATINGS in severity.py
    and `cvss_score` the base score behind it (None when the advisory carries no vector)."""

    id: str
    package: str
    version: str
    fix_versions: list[str]
    aliases: list[str]
    severity: str
    description: str = ""
    cvss_score: float | None = None

    def line(self) -> str:
        """One line a person can act on: which pin, which advisory, how bad, what fixes it."""
        also = f" ({', '.join(self.aliases)})" if self.aliases else ""
        rated = Rating(self.severity, self.cvss_score)
        fix = (
            f"fixed in {', '.join(self.fix_versions)}"
            if self.fix_versions
            else "no fixed version known"
        )
        return f"{self.package} {self.version}: {self.id}{also}, severity {rated}, {fix}"


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
            hint="set [tool.signoff.target] requirements to the stack's pinned set or lockfile.",
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
                rating = _rating(db, [str(item["id"]), *item.get("aliases", [])])
                vulns.append(
                    Vulnerability(
                        id=str(item["id"]),
                        package=name,
                        version=str(dep["version"]),
                        fix_versions=[str(v) for v in item.get("fix_versions") or []],
                        # pip-audit keeps ids in a set: a stable order, the CVE first
                        aliases=sorted(
                            (str(a) for a in item.get("aliases") or []),
                            key=lambda a: (not a.startswith("CVE-"), a),
                        ),
                        severity=rating.severity,
                        description=str(item.get("description") or "")[:300],
                        cvss_score=rating.score,
                    )
                )
    except (KeyError, TypeError) as exc:
        raise EvidenceError(
            f"The pip-audit report does not have the expected shape: {exc!r}."
        ) from exc
    return AuditResult(requirements, audited, skipped, vulns)


def _rating(db: AdvisoryDB | None, ids: list[str]) -> Rating:
    """The rating of the snapshot's advisory for one of `ids`; online sources carry none."""
    for ident in ids:
        advisory = db.by_id.get(ident) if db is not None else None
        if advisory is not None:
            return rate(advisory)
    return UNRATED


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
            done = children.run(argv, capture=True, timeout=timeout, env=env)
        except children.TimeoutExpired as exc:
            raise EvidenceError(f"pip-audit did not finish within {timeout:g} s.") from exc
    (output.parent / "pip-audit.log").write_text(done.stderr, encoding="utf-8")
    if not output.is_file() or output.stat().st_size == 0:
        reason = crash_reason(done.stderr)
        raise EvidenceError(
            f"pip-audit stopped without a report (exit {done.returncode}): {reason}.",
            hint=f"pip-audit's full output is in {output.parent / 'pip-audit.log'}.",
        )
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EvidenceError(f"pip-audit's report {output} is not JSON: {exc}.") from exc
    result = parse(report, names, db)
    return AuditResult(
        result.requirements, result.audited, result.skipped, result.vulns, _version()
    )


# pip-audit's own errors are logged as `ERROR:pip_audit._cli:...`; a crash ends in a traceback
_LOGGED = re.compile(r"^(?:ERROR|CRITICAL):[\w.]+:\s*(.+)$")
_RAISED = re.compile(r"^([A-Za-z_][\w.]*)(?::\s*(.*))?$")
_FRAMES = ("Traceback", "File ", "^", "~", "During handling", "The above exception")


def _raised(lines: list[str]) -> list[str]:
    """The exception line of each traceback (`name: message`, the module path dropped)."""
    found: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and not line.startswith((" ", "\t")):
            inside = False
            match = _RAISED.match(line)
            if match is None:
                found.append(line.strip())
            else:
                name, text = match.group(1).rsplit(".", 1)[-1], (match.group(2) or "").strip()
                found.append(f"{name}: {text}" if text else name)
    return found


def crash_reason(stderr: str, limit: int = 300) -> str:
    """The one line of pip-audit's stderr that says why it stopped, never a traceback.

    A logged error wins; else the last raised exception that has a message (a chained one often
    has none: `ServiceError` raised from an `HTTPError` that names the status); else the last
    line that is not part of a traceback.
    """
    lines = [ln.rstrip() for ln in stderr.splitlines() if ln.strip()]
    logged = [m.group(1) for ln in lines if (m := _LOGGED.match(ln.strip()))]
    raised = _raised(lines)
    told = [r for r in raised if ":" in r]
    plain = [ln.strip() for ln in lines if not ln.lstrip().startswith(_FRAMES)]
    found = (logged or told or raised or plain or ["no output"])[-1].rstrip(". ")
    return found if len(found) <= limit else found[: limit - 1] + "…"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pip-audit")
    except PackageNotFoundError:
        return ""
