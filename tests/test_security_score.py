"""The score formula, CVSS ratings and waiver matching, as documented in audits/SCORING.md."""

from __future__ import annotations

from datetime import date

import pytest

from signoff.security.bandit_runner import Finding
from signoff.security.pip_audit_runner import Vulnerability
from signoff.security.score import compute
from signoff.security.severity import UNRATED, Rating, rate, rate_vector
from signoff.security.waivers import Waiver, apply


def finding(severity: str, confidence: str, n: int = 0) -> Finding:
    return Finding(f"B1:x.py:{n}", "B1", severity, confidence, "x.py", 1, "text")


def vuln(severity: str, fixed: list[str] | None = None) -> Vulnerability:
    return Vulnerability("V-1", "pkg", "1.0", fixed or [], [], severity)


@pytest.mark.parametrize(
    ("kind", "vector", "score", "rating"),
    [
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "HIGH"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "MEDIUM"),
        ("CVSS_V3", "CVSS:3.0/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.8, "LOW"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "NONE"),
        (
            "CVSS_V4",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            9.3,
            "CRITICAL",
        ),
        (
            "CVSS_V4",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
            6.9,
            "MEDIUM",
        ),
    ],
)
def test_cvss_vectors_are_rated_by_their_base_score(
    kind: str, vector: str, score: float, rating: str
) -> None:
    assert rate_vector(kind, vector) == Rating(rating, score, vector)


def test_the_newest_usable_vector_rates_an_advisory() -> None:
    v3 = {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}
    v4 = {
        "type": "CVSS_V4",
        "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
    }
    broken_v4 = {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}
    assert rate({"severity": [v3, v4]}).severity == "MEDIUM"  # v4 wins over v3
    assert rate({"severity": [broken_v4, v3]}) == Rating("HIGH", 7.5, v3["score"])


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L"},
        {"type": "CVSS_V3", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
        {"type": "CVSS_V3"},
    ],
)
def test_an_advisory_without_a_usable_vector_is_unknown(entry: dict[str, str]) -> None:
    assert rate({"severity": [entry]}) == UNRATED
    assert rate({}) == UNRATED
    assert str(UNRATED) == "UNKNOWN"


def test_weights_by_severity_and_confidence() -> None:
    score = compute(
        [finding("HIGH", "HIGH"), finding("MEDIUM", "LOW"), finding("LOW", "MEDIUM")],
        [vuln("CRITICAL"), vuln("UNKNOWN"), vuln("LOW")],
        1,
    )
    parts = score.breakdown()
    assert parts["bandit"]["penalty"] == pytest.approx(10 + 0.9 + 0.6)
    assert parts["dependencies"]["penalty"] == 32.0
    assert parts["http"]["penalty"] == 5.0
    assert score.total == pytest.approx(100 - 11.5 - 32 - 5, abs=0.05)


def test_each_part_is_capped_and_the_total_stays_in_range() -> None:
    many = [finding("HIGH", "HIGH", n) for n in range(20)]
    score = compute(many, [vuln("CRITICAL")] * 10, 50)
    assert {name: part["deducted"] for name, part in score.breakdown().items()} == {
        "bandit": 40.0,
        "dependencies": 40.0,
        "http": 20.0,
    }
    assert score.total == 0.0
    assert compute([], [], 0).total == 100.0


def test_waivers_split_into_applied_expired_and_unmatched() -> None:
    today = date(2026, 6, 1)
    waivers = [
        Waiver("A", "r", "o", date(2026, 6, 1)),
        Waiver("B", "r", "o", date(2026, 5, 31)),
        Waiver("C", "r", "o", date(2027, 1, 1)),
    ]
    report = apply(waivers, ["A", "B"], today)
    assert sorted(report.applied) == ["A"]  # valid through its expiry day
    assert [w.id for w in report.expired] == ["B"]
    assert [w.id for w in report.unmatched] == ["C"]
    assert report.covers("A")
    assert not report.covers("B")
