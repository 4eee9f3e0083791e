"""The security gate: turn bandit, pip-audit and HTTP-check results plus waivers into checks.

Regardless of the score, an unwaived HIGH bandit finding, an unwaived known vulnerability (with
a fix or not: accepting one without a fix takes a waiver), a failed HTTP check or an expired
waiver fails; a part that produced nothing, or a dependency that was not audited, leaves its
check INCONCLUSIVE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from signoff.records import Check, Status, threshold_check
from signoff.security.bandit_runner import BanditResult
from signoff.security.http_checks import Probe
from signoff.security.pip_audit_runner import AuditResult, Vulnerability
from signoff.security.score import compute
from signoff.security.waivers import Waiver, WaiverReport, apply

SHOWN = 5  # how many ids a failing check names before "and N more"


@dataclass
class Evidence:
    """What each part produced; `problems` say why a part produced nothing."""

    bandit: BanditResult | None = None
    audit: AuditResult | None = None
    probes: list[Probe] | None = None
    unreached: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    declared_dependencies: int = 0
    http_enabled: bool = True
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    checks: list[Check]
    declared: dict[str, int]
    evaluated: dict[str, int]
    figures: dict[str, Any]
    summary: str


def _names(items: list[str], sep: str = ", ") -> str:
    more = len(items) - SHOWN
    return sep.join(items[:SHOWN]) + (f"{sep}and {more} more" if more > 0 else "")


def _vuln_ids(vuln: Vulnerability) -> list[str]:
    return [vuln.id, *vuln.aliases]


def _count_check(
    name: str, bad: list[str], what: str, evidence: str, problem: str | None, sep: str = ", "
) -> Check:
    """`bad` lists what failed and must be empty; a part that did not run (`problem`) leaves the
    check INCONCLUSIVE."""
    if problem is not None:
        return Check(name, Status.INCONCLUSIVE, None, 0, "==", "", f"{name}: {problem}", evidence)
    if not bad:
        return Check(name, Status.PASS, 0, 0, "==", "", "", evidence)
    message = f"{len(bad)} {what}: {_names(bad, sep)}."
    return Check(name, Status.FAIL, len(bad), 0, "==", "", message, evidence)


def evaluate(ev: Evidence, waivers: list[Waiver], today: date, threshold: float) -> Verdict:
    findings = ev.bandit.findings if ev.bandit else []
    vulns = ev.audit.vulns if ev.audit else []
    failed_probes = [p for p in ev.probes or [] if not p.ok]
    ids = [f.id for f in findings] + [i for v in vulns for i in _vuln_ids(v)]
    ids += [p.id for p in failed_probes]
    report: WaiverReport = apply(waivers, ids, today)
    open_findings = [f for f in findings if not report.covers(f.id)]
    open_vulns = [v for v in vulns if not any(report.covers(i) for i in _vuln_ids(v))]
    open_probes = [p for p in failed_probes if not report.covers(p.id)]

    bandit_problem = ev.problems.get("bandit")
    audit_problem = ev.problems.get("pip-audit")
    http_problem = ev.problems.get("http") if ev.http_enabled else None
    if ev.http_enabled and ev.probes is None and http_problem is None:
        http_problem = "the HTTP checks did not run"
    art = ev.artifacts
    # pip-audit's JSON, or its log when it stopped before writing one
    audit_evidence = art.get("pip_audit") or art.get("pip_audit_log", "")
    checks: list[Check] = []

    score = compute(open_findings, open_vulns, len(open_probes))
    missing = [p for p in (bandit_problem, audit_problem, http_problem) if p]
    if missing:
        checks.append(
            Check(
                "security score",
                Status.INCONCLUSIVE,
                None,
                threshold,
                ">=",
                "",
                "security score: a part of it was not measured.",
                "",
            )
        )
    else:
        checks.append(threshold_check("security score", score.total, ">=", threshold))

    high = [f.id for f in open_findings if f.severity == "HIGH"]
    checks.append(
        _count_check(
            "unwaived HIGH bandit findings",
            high,
            "unwaived HIGH findings",
            art.get("bandit", ""),
            bandit_problem,
        )
    )
    checks.append(
        _count_check(
            "known vulnerabilities",
            [v.line() for v in open_vulns],
            "unwaived known vulnerabilities",
            audit_evidence,
            audit_problem,
            sep="; ",
        )
    )
    checks.append(_audited_check(ev, audit_problem))
    expired = [f"{w.id} (expired {w.expires.isoformat()})" for w in report.expired]
    checks.append(
        _count_check("expired waivers", expired, "expired waivers", art.get("waivers", ""), None)
    )
    if ev.http_enabled:
        checks.append(
            _count_check(
                "failed HTTP checks",
                [f"{p.id}: {p.detail}" for p in open_probes],
                "HTTP checks failed",
                art.get("http_checks", ""),
                http_problem,
            )
        )

    declared, evaluated = _counts(ev)
    figures: dict[str, Any] = {
        "score": None if missing else score.total,
        "threshold": threshold,
        "breakdown": score.breakdown(),
        "bandit_findings": {
            "open": len(open_findings),
            "high": len(high),
            "waived": len(findings) - len(open_findings),
            "ids": [f.id for f in open_findings],
        },
        "vulnerabilities": [
            {
                "id": v.id,
                "aliases": v.aliases,
                "package": v.package,
                "version": v.version,
                "severity": v.severity,
                "cvss_score": v.cvss_score,
                "fix_versions": v.fix_versions,
                "waived": v not in open_vulns,
            }
            for v in vulns
        ],
        "not_audited": ev.audit.not_audited if ev.audit else {},
        "bandit_unparsed": ev.bandit.failed_files if ev.bandit else {},
        "http": {
            "probes": len(ev.probes or []),
            "failed": len(open_probes),
            "waived": len(failed_probes) - len(open_probes),
            "unreached": ev.unreached,
        },
        "waivers": {
            "applied": sorted(report.applied),
            "expired": expired,
            "unmatched": [w.id for w in report.unmatched],
        },
        "problems": ev.problems,
    }
    shown = "not measured" if missing else f"{score.total:g}/100"
    parts = ", ".join(f"{p.name} -{p.deducted:g}" for p in score.parts)
    summary = (
        f"score {shown} ({parts}; threshold {threshold:g}); {len(open_findings)} open bandit "
        f"findings ({len(high)} HIGH), {len(open_vulns)} vulnerabilities in "
        f"{ev.declared_dependencies} dependencies, {len(open_probes)} of "
        f"{len(ev.probes or [])} HTTP checks failed"
    )
    if report.unmatched:
        summary += f"; {len(report.unmatched)} waivers matched nothing"
    return Verdict(checks, declared, evaluated, figures, summary)


def _audited_check(ev: Evidence, problem: str | None) -> Check:
    name = "dependencies not audited"
    evidence = ev.artifacts.get("pip_audit", "")
    if problem is not None or ev.audit is None:
        return Check(
            name,
            Status.INCONCLUSIVE,
            None,
            0,
            "==",
            "",
            f"{name}: {problem or 'pip-audit did not run'}",
            evidence,
        )
    missing = ev.audit.not_audited
    if not missing:
        return Check(name, Status.PASS, 0, 0, "==", "", "", evidence)
    listed = [f"{n} ({r})" for n, r in sorted(missing.items())]
    # not audited is not "vulnerable": it is unknown, so the verdict is INCONCLUSIVE, not FAIL
    return Check(
        name,
        Status.INCONCLUSIVE,
        len(missing),
        0,
        "==",
        "",
        f"{len(missing)} dependencies were not audited: {_names(listed)}.",
        evidence,
    )


def _counts(ev: Evidence) -> tuple[dict[str, int], dict[str, int]]:
    # a requirements file that could not be read still declared something: fail closed
    declared: dict[str, int] = {"dependencies": max(1, ev.declared_dependencies)}
    evaluated: dict[str, int] = {}
    if ev.audit is not None:
        evaluated["dependencies"] = len([n for n in ev.audit.requirements if n in ev.audit.audited])
    if ev.bandit is not None:
        declared["files"] = len(ev.bandit.scanned_files)
        evaluated["files"] = ev.bandit.evaluated_files
    else:
        declared["files"] = 1  # bandit scans at least one file when it runs at all
    if ev.http_enabled:
        probes = len(ev.probes or [])
        declared["http probes"] = max(1, probes + len(ev.unreached))
        evaluated["http probes"] = probes
    return declared, evaluated
