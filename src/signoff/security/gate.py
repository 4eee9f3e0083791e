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
from signoff.security.bandit_runner import BanditResult, Finding
from signoff.security.http_checks import Probe
from signoff.security.pip_audit_runner import AuditResult, Vulnerability
from signoff.security.score import Score, compute
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


@dataclass(frozen=True)
class _Open:
    """What the waivers left open, and the waiver report that decided it."""

    findings: list[Finding]
    vulns: list[Vulnerability]
    failed_probes: list[Probe]
    open_probes: list[Probe]
    report: WaiverReport

    def high(self) -> list[str]:
        return [f.id for f in self.findings if f.severity == "HIGH"]


@dataclass(frozen=True)
class _Problems:
    """Why a part produced nothing, per part (None: it produced something)."""

    bandit: str | None
    audit: str | None
    http: str | None

    def missing(self) -> list[str]:
        return [p for p in (self.bandit, self.audit, self.http) if p]


def _open(ev: Evidence, waivers: list[Waiver], today: date) -> _Open:
    findings = ev.bandit.findings if ev.bandit else []
    vulns = ev.audit.vulns if ev.audit else []
    failed_probes = [p for p in ev.probes or [] if not p.ok]
    ids = [f.id for f in findings] + [i for v in vulns for i in _vuln_ids(v)]
    ids += [p.id for p in failed_probes]
    report: WaiverReport = apply(waivers, ids, today)
    return _Open(
        findings=[f for f in findings if not report.covers(f.id)],
        vulns=[v for v in vulns if not any(report.covers(i) for i in _vuln_ids(v))],
        failed_probes=failed_probes,
        open_probes=[p for p in failed_probes if not report.covers(p.id)],
        report=report,
    )


def _problems(ev: Evidence) -> _Problems:
    http_problem = ev.problems.get("http") if ev.http_enabled else None
    if ev.http_enabled and ev.probes is None and http_problem is None:
        http_problem = "the HTTP checks did not run"
    return _Problems(ev.problems.get("bandit"), ev.problems.get("pip-audit"), http_problem)


def evaluate(ev: Evidence, waivers: list[Waiver], today: date, threshold: float) -> Verdict:
    """The gate's checks, counts, figures and summary from what each part produced."""
    opened = _open(ev, waivers, today)
    problems = _problems(ev)
    score = compute(opened.findings, opened.vulns, len(opened.open_probes))
    checks = [_score_check(score, problems, threshold), *_part_checks(ev, opened, problems)]
    declared, evaluated = _counts(ev)
    figures = _figures(ev, opened, score, problems, threshold)
    return Verdict(
        checks, declared, evaluated, figures, _summary(ev, opened, score, problems, threshold)
    )


def _score_check(score: Score, problems: _Problems, threshold: float) -> Check:
    if problems.missing():
        message = "security score: a part of it was not measured."
        return Check("security score", Status.INCONCLUSIVE, None, threshold, ">=", "", message, "")
    return threshold_check("security score", score.total, ">=", threshold)


def _part_checks(ev: Evidence, opened: _Open, problems: _Problems) -> list[Check]:
    art = ev.artifacts
    # pip-audit's JSON, or its log when it stopped before writing one
    audit_evidence = art.get("pip_audit") or art.get("pip_audit_log", "")
    high = opened.high()
    vulns = [v.line() for v in opened.vulns]
    checks = [
        _count_check(
            "unwaived HIGH bandit findings",
            high,
            "unwaived HIGH findings",
            art.get("bandit", ""),
            problems.bandit,
        ),
        _count_check(
            "known vulnerabilities",
            vulns,
            "unwaived known vulnerabilities",
            audit_evidence,
            problems.audit,
            sep="; ",
        ),
        _audited_check(ev, problems.audit),
        _count_check(
            "expired waivers", _expired(opened), "expired waivers", art.get("waivers", ""), None
        ),
    ]
    if ev.http_enabled:
        failed = [f"{p.id}: {p.detail}" for p in opened.open_probes]
        checks.append(
            _count_check(
                "failed HTTP checks",
                failed,
                "HTTP checks failed",
                art.get("http_checks", ""),
                problems.http,
            )
        )
    return checks


def _expired(opened: _Open) -> list[str]:
    return [f"{w.id} (expired {w.expires.isoformat()})" for w in opened.report.expired]


def _vuln_figure(v: Vulnerability, opened: _Open) -> dict[str, Any]:
    return {
        "id": v.id,
        "aliases": v.aliases,
        "package": v.package,
        "version": v.version,
        "severity": v.severity,
        "cvss_score": v.cvss_score,
        "fix_versions": v.fix_versions,
        "waived": v not in opened.vulns,
    }


def _figures(
    ev: Evidence, opened: _Open, score: Score, problems: _Problems, threshold: float
) -> dict[str, Any]:
    findings = ev.bandit.findings if ev.bandit else []
    report = opened.report
    return {
        "score": None if problems.missing() else score.total,
        "threshold": threshold,
        "breakdown": score.breakdown(),
        "bandit_findings": {
            "open": len(opened.findings),
            "high": len(opened.high()),
            "waived": len(findings) - len(opened.findings),
            "ids": [f.id for f in opened.findings],
        },
        "vulnerabilities": [_vuln_figure(v, opened) for v in (ev.audit.vulns if ev.audit else [])],
        "not_audited": ev.audit.not_audited if ev.audit else {},
        "bandit_unparsed": ev.bandit.failed_files if ev.bandit else {},
        "http": {
            "probes": len(ev.probes or []),
            "failed": len(opened.open_probes),
            "waived": len(opened.failed_probes) - len(opened.open_probes),
            "unreached": ev.unreached,
        },
        "waivers": {
            "applied": sorted(report.applied),
            "expired": _expired(opened),
            "unmatched": [w.id for w in report.unmatched],
        },
        "problems": ev.problems,
    }


def _summary(
    ev: Evidence, opened: _Open, score: Score, problems: _Problems, threshold: float
) -> str:
    shown = "not measured" if problems.missing() else f"{score.total:g}/100"
    parts = ", ".join(f"{p.name} -{p.deducted:g}" for p in score.parts)
    high = len(opened.high())
    summary = (
        f"score {shown} ({parts}; threshold {threshold:g}); {len(opened.findings)} open bandit "
        f"findings ({high} HIGH), {len(opened.vulns)} vulnerabilities in "
        f"{ev.declared_dependencies} dependencies, {len(opened.open_probes)} of "
        f"{len(ev.probes or [])} HTTP checks failed"
    )
    if opened.report.unmatched:
        summary += f"; {len(opened.report.unmatched)} waivers matched nothing"
    return summary


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
