"""The security score: 100 minus capped penalties for code findings, vulnerabilities and failed
HTTP checks. The formula is documented in `audits/SCORING.md`; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from signoff.security.bandit_runner import Finding
from signoff.security.pip_audit_runner import Vulnerability

BANDIT_SEVERITY = {"HIGH": 10.0, "MEDIUM": 3.0, "LOW": 1.0}
BANDIT_CONFIDENCE = {"HIGH": 1.0, "MEDIUM": 0.6, "LOW": 0.3}
# an advisory without a CVSS rating weighs as HIGH: an unrated hole is not assumed harmless
VULN_SEVERITY = {
    "CRITICAL": 20.0,
    "HIGH": 10.0,
    "UNKNOWN": 10.0,
    "MEDIUM": 5.0,
    "LOW": 2.0,
    "NONE": 0.0,
}
HTTP_FAILURE = 5.0
CAPS = {"bandit": 40.0, "dependencies": 40.0, "http": 20.0}


@dataclass(frozen=True)
class Part:
    """One check's share of the score: what it counted, its raw penalty, and the cap."""

    name: str
    items: int
    penalty: float
    cap: float

    @property
    def deducted(self) -> float:
        return min(self.penalty, self.cap)


@dataclass(frozen=True)
class Score:
    total: float
    parts: list[Part]

    def breakdown(self) -> dict[str, Any]:
        """The per-check figures shown beside the total."""
        return {p.name: {**asdict(p), "deducted": round(p.deducted, 2)} for p in self.parts}


def bandit_penalty(findings: Iterable[Finding]) -> float:
    # unknown ratings weigh as the highest, so a new bandit level cannot lower the penalty
    return sum(
        BANDIT_SEVERITY.get(f.severity, 10.0) * BANDIT_CONFIDENCE.get(f.confidence, 1.0)
        for f in findings
    )


def vuln_penalty(vulns: Iterable[Vulnerability]) -> float:
    return sum(VULN_SEVERITY.get(v.severity, 10.0) for v in vulns)


def compute(findings: list[Finding], vulns: list[Vulnerability], http_failures: int) -> Score:
    """The score from unwaived findings, unwaived vulnerabilities and failed HTTP checks."""
    parts = [
        Part("bandit", len(findings), round(bandit_penalty(findings), 2), CAPS["bandit"]),
        Part("dependencies", len(vulns), vuln_penalty(vulns), CAPS["dependencies"]),
        Part("http", http_failures, HTTP_FAILURE * http_failures, CAPS["http"]),
    ]
    total = 100.0 - sum(p.deducted for p in parts)
    return Score(round(max(total, 0.0), 1), parts)
