"""Baseline comparison end to end: `signoff report --baseline` on synthetic run samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from signoff.compare.fingerprint import differences
from signoff.records import LayerRecord, Status
from signoff.report.results import build
from tests.test_report_results import make_run, passing, signoff

ENDPOINTS = ("GET /api/v1/jobs", "GET /api/v1/jobs/{job_id}/summary", "GET /api/v1/reports/summary")
PHASES = ("baseline", "spike")


def load_run(
    tmp: Path, seed: int, slower: str | None = None, extra_records: list[LayerRecord] | None = None
) -> Path:
    """A run whose load layer kept samples; `slower` makes one endpoint 25% slower."""
    rng = np.random.default_rng(seed)
    run, _ = make_run(tmp, [passing("unit"), passing("load"), *(extra_records or [])])
    samples = {}
    for endpoint in ENDPOINTS:
        for phase in PHASES:
            values = rng.lognormal(np.log(30 if phase == "spike" else 15), 0.35, 600)
            factor = 1.25 if endpoint == slower else 1.0
            samples[f"{endpoint} | {phase}"] = [float(v * factor) for v in values]
    (run / "load" / "samples.json").write_text(json.dumps(samples))
    rps = {p: [float(v) for v in rng.normal(120, 6, 40)] for p in PHASES}
    (run / "load" / "throughput.json").write_text(json.dumps(rps))
    return run


def rows(doc: dict[str, object]) -> dict[str, str]:
    comparison = doc["comparison"]
    assert isinstance(comparison, dict)
    return {r["series"]: r["change"] for r in comparison["rows"]}


def test_a_a_comparison_reports_no_regression(tmp_path: Path) -> None:
    base = load_run(tmp_path / "a", seed=1)
    cand = load_run(tmp_path / "b", seed=2)
    signoff(tmp_path / "a", "report")
    result = signoff(
        tmp_path / "b",
        "report",
        str(cand),
        "--baseline",
        str(base / "report.json"),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stdout[-2000:]
    doc = json.loads(result.stdout)
    changes = rows(doc)
    assert len(changes) == len(ENDPOINTS) * len(PHASES) + len(PHASES)
    assert "slower" not in changes.values()
    assert doc["comparison"]["comparable"] is True
    assert all(g["status"] == "PASS" for g in doc["gates"] if g["layer"] == "baseline")


def test_a_b_flags_the_slowed_endpoint_only(tmp_path: Path) -> None:
    slowed = "GET /api/v1/jobs/{job_id}/summary"
    base = load_run(tmp_path / "a", seed=1)
    cand = load_run(tmp_path / "b", seed=2, slower=slowed)
    result = signoff(
        tmp_path / "b", "report", str(cand), "--baseline", str(base), "--format", "json"
    )
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    slower = sorted(k for k, v in rows(doc).items() if v == "slower")
    assert slower == [f"load: {slowed} | {p}" for p in PHASES]
    gate = next(g for g in doc["gates"] if g["name"] == "baseline / latency")
    assert gate["status"] == "FAIL"
    assert gate["required"] is True
    md = (cand / "report.md").read_text()
    assert "| latency | load: GET /api/v1/jobs/{job_id}/summary \\| spike |" in md


def test_different_environments_are_compared_only_as_advisory(tmp_path: Path) -> None:
    base = load_run(tmp_path / "a", seed=1)
    cand = load_run(tmp_path / "b", seed=2, slower=ENDPOINTS[0])
    signoff(tmp_path / "a", "report")
    env = json.loads((base / "environment.json").read_text())
    env["machine"]["cpu_model"] = "Some Other CPU"
    (base / "environment.json").write_text(json.dumps(env))
    (base / "report.json").unlink()
    result = signoff(tmp_path / "b", "report", str(cand), "--baseline", str(base), "--format", "md")
    assert result.returncode == 0, result.stdout
    assert "advisory only" in result.stdout
    assert "machine.cpu_model differs" in result.stdout
    assert "| baseline / latency | ❌ FAIL | no |" in result.stdout


def test_coverage_delta_findings_and_new_failures(tmp_path: Path) -> None:
    def coverage(line: float) -> LayerRecord:
        return passing("coverage", {"line_percent": line, "branch_percent": 60.0})

    def audit(ids: list[str]) -> LayerRecord:
        return passing("audit", {"bandit_findings": {"ids": ids}})

    base_run, cfg = make_run(tmp_path / "a", [coverage(80.0), audit(["B101", "B602"])])
    signoff(tmp_path / "a", "report")
    cand_run, cfg = make_run(tmp_path / "b", [coverage(75.0), audit(["B602", "B303"])])
    (cand_run / "coverage" / "junit.xml").write_text(
        '<testsuite><testcase classname="t" name="x"><failure/></testcase></testsuite>'
    )
    results = build(cand_run, cfg, baseline=base_run)
    comp = results.comparison
    assert comp is not None
    assert comp.coverage["line_percent"]["delta"] == -5.0
    assert comp.new_findings == ["audit: bandit B303"]
    assert comp.fixed_findings == ["audit: bandit B101"]
    assert comp.new_failures == ["coverage::t.x"]
    failing = {g.name for g in comp.gates if g.status is Status.FAIL}
    assert failing == {
        "baseline / line coverage delta",
        "baseline / new security findings",
        "baseline / new failures",
    }
    assert results.verdict is Status.FAIL


def test_fingerprints_name_each_difference() -> None:
    a = {
        "machine": {"arch": "x86_64", "cpu_model": "X", "cpus": 2},
        "os": {"system": "Linux"},
        "python": {"version": "3.11.7"},
        "provider": "local",
        "tools": {},
    }
    b = json.loads(json.dumps(a))
    assert differences(a, b) == []
    b["python"]["version"] = "3.11.9"
    assert differences(a, b) == []  # a patch release does not move timings
    b["provider"] = "url"
    b["machine"]["cpus"] = 4
    assert len(differences(a, b)) == 2
    assert differences({}, b) == ["one of the runs records no environment fingerprint"]
