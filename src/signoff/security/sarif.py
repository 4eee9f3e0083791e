"""bandit and pip-audit findings as SARIF 2.1.0 logs, for code scanning (one file per tool).

Rules carry the tool's ids (bandit's test ids, the advisories' ids), levels come from the
severities, and every result points at a file and line: the flagged source line for bandit, the
dependency's line in the requirements or lockfile for pip-audit. A waived finding is kept as a
result with an external suppression carrying the waiver's reason; a part that did not run says
why in its invocation, so an empty log is never mistaken for a clean one.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from signoff.security.bandit_runner import BanditResult, Finding
from signoff.security.pip_audit_runner import AuditResult, Vulnerability
from signoff.security.waivers import Waiver, WaiverReport, apply

VERSION = "2.1.0"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
ROOT_ID = "%SRCROOT%"
BANDIT_FILE = "bandit.sarif"
AUDIT_FILE = "pip-audit.sarif"
# SARIF levels, and the `security-severity` code scanning ranks alerts by (CVSS-like, 0-10)
LEVELS = {
    "CRITICAL": "error",
    "HIGH": "error",
    "UNKNOWN": "error",  # an unrated advisory weighs as HIGH (audits/SCORING.md)
    "MEDIUM": "warning",
    "LOW": "note",
    "NONE": "note",
}
SCORES = {"CRITICAL": 9.5, "HIGH": 8.0, "UNKNOWN": 8.0, "MEDIUM": 5.5, "LOW": 2.0, "NONE": 0.0}


def _location(uri: str, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(uri), "uriBaseId": ROOT_ID},
            "region": {"startLine": max(1, line)},
        }
    }


def _suppressed(waived: WaiverReport, ids: list[str]) -> dict[str, Any]:
    """The result's suppression when a valid waiver covers one of its ids."""
    for ident in ids:
        waiver = waived.applied.get(ident)
        if waiver is not None:
            reason = f"{waiver.reason} (waiver {waiver.id}, {waiver.owner}, until {waiver.expires})"
            return {"suppressions": [{"kind": "external", "justification": reason}]}
    return {}


def _run(
    driver: dict[str, Any], results: list[dict[str, Any]], root: Path, notes: list[dict[str, Any]]
) -> dict[str, Any]:
    failed = any(n["level"] == "error" for n in notes)
    return {
        "tool": {"driver": driver},
        "originalUriBaseIds": {ROOT_ID: {"uri": root.resolve().as_uri() + "/"}},
        "invocations": [
            {"executionSuccessful": not failed, "toolExecutionNotifications": notes},
        ],
        "results": results,
    }


def _note(level: str, text: str) -> dict[str, Any]:
    return {"level": level, "message": {"text": text}}


def _bandit_rule(finding: Finding, raw: dict[str, dict[str, Any]]) -> dict[str, Any]:
    info = raw.get(finding.test_id, {})
    rule: dict[str, Any] = {
        "id": finding.test_id,
        "name": str(info.get("test_name") or finding.test_id),
        "shortDescription": {"text": finding.text},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
        "properties": {"tags": ["security"]},
    }
    if info.get("more_info"):
        rule["helpUri"] = str(info["more_info"])
    if finding.cwe:
        rule["properties"]["tags"].append(f"external/cwe/cwe-{finding.cwe}")
    return rule


def bandit_log(
    result: BanditResult | None, problem: str | None, waived: WaiverReport, root: Path,
    report: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """bandit's findings as one SARIF run; `report` is bandit's JSON, for rule names and help."""
    raw = {str(r.get("test_id")): r for r in (report or {}).get("results", [])}
    findings = result.findings if result else []
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in findings:
        rules.setdefault(finding.test_id, _bandit_rule(finding, raw))
        results.append(
            {
                "ruleId": finding.test_id,
                "ruleIndex": list(rules).index(finding.test_id),
                "level": LEVELS.get(finding.severity, "warning"),
                "message": {
                    "text": f"{finding.text} (severity {finding.severity}, "
                    f"confidence {finding.confidence})"
                },
                "locations": [_location(finding.path, finding.line)],
                "partialFingerprints": {"signoffFindingId/v1": finding.id},
                "properties": {
                    "security-severity": f"{SCORES.get(finding.severity, 5.5):.1f}",
                    "confidence": finding.confidence,
                },
                **_suppressed(waived, [finding.id]),
            }
        )
    notes = [_note("error", problem)] if problem else []
    if result is not None:
        notes += [
            _note("warning", f"bandit could not parse {path}: {why}")
            for path, why in result.failed_files.items()
        ]
    driver = {
        "name": "bandit",
        "informationUri": "https://github.com/PyCQA/bandit",
        "rules": list(rules.values()),
        **({"version": result.version} if result and result.version else {}),
    }
    return _log(_run(driver, results, root, notes))


def dependency_line(path: Path, package: str) -> int:
    """The first line of a requirements file or lockfile that names `package` (1 if none)."""
    parts = [re.escape(p) for p in re.split(r"[-_.]+", package) if p]
    pattern = re.compile(r"^\s*(?:name\s*=\s*[\"'])?" + "[-_.]+".join(parts) + r"(?![\w.-])", re.I)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((n for n, text in enumerate(lines, 1) if pattern.match(text)), 1)


def _vuln_rule(vuln: Vulnerability) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": vuln.id,
        "name": f"{vuln.package}-{vuln.id}",
        "shortDescription": {"text": f"{vuln.id} in {vuln.package}"},
        "helpUri": f"https://osv.dev/vulnerability/{quote(vuln.id)}",
        "defaultConfiguration": {"level": LEVELS.get(vuln.severity, "error")},
        "properties": {"tags": ["security", "dependency", *vuln.aliases]},
    }
    if vuln.description:
        rule["fullDescription"] = {"text": vuln.description}
    return rule


def audit_log(
    result: AuditResult | None, problem: str | None, waived: WaiverReport, root: Path,
    dependency_file: str,
) -> dict[str, Any]:  # fmt: skip
    """pip-audit's vulnerabilities as one SARIF run, located in `dependency_file` (relative
    to `root`), the file that says which dependencies the service has."""
    vulns = result.vulns if result else []
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for vuln in vulns:
        rules.setdefault(vuln.id, _vuln_rule(vuln))
        score = vuln.cvss_score if vuln.cvss_score is not None else SCORES.get(vuln.severity, 8.0)
        line = dependency_line(root / dependency_file, vuln.package) if dependency_file else 1
        results.append(
            {
                "ruleId": vuln.id,
                "ruleIndex": list(rules).index(vuln.id),
                "level": LEVELS.get(vuln.severity, "error"),
                "message": {"text": vuln.line()},
                "locations": [_location(dependency_file or "requirements.txt", line)],
                "partialFingerprints": {
                    "signoffFindingId/v1": f"{vuln.package}:{vuln.version}:{vuln.id}"
                },
                "properties": {"security-severity": f"{score:.1f}", "severity": vuln.severity},
                **_suppressed(waived, [vuln.id, *vuln.aliases]),
            }
        )
    notes = [_note("error", problem)] if problem else []
    if result is not None:
        notes += [
            _note("warning", f"{name} was not audited: {why}")
            for name, why in sorted(result.not_audited.items())
        ]
    driver = {
        "name": "pip-audit",
        "informationUri": "https://github.com/pypa/pip-audit",
        "rules": list(rules.values()),
        **({"version": result.version} if result and result.version else {}),
    }
    return _log(_run(driver, results, root, notes))


def _log(run: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}


def write(
    folder: Path,
    bandit: tuple[BanditResult | None, str | None],
    audit: tuple[AuditResult | None, str | None],
    waivers: list[Waiver],
    today: date,
    root: Path,
    dependency_file: str,
) -> dict[str, Path]:
    """Both logs into `folder` beside the tools' JSON; returns artifact names and paths.
    `bandit` and `audit` are each part's result and the problem that stopped it (or None)."""
    ids = [f.id for f in bandit[0].findings] if bandit[0] else []
    ids += [i for v in (audit[0].vulns if audit[0] else []) for i in (v.id, *v.aliases)]
    waived = apply(waivers, ids, today)
    report = _read(folder / "bandit.json")
    logs = {
        "bandit_sarif": (
            folder / BANDIT_FILE,
            bandit_log(bandit[0], bandit[1], waived, root, report),
        ),
        "pip_audit_sarif": (
            folder / AUDIT_FILE,
            audit_log(audit[0], audit[1], waived, root, dependency_file),
        ),
    }
    for path, log in logs.values():
        path.write_text(json.dumps(log, indent=2) + "\n", encoding="utf-8")
    return {name: path for name, (path, _) in logs.items()}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
