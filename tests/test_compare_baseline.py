"""Baseline comparison end to end: runs as the unit, advisory with too few, the report's columns."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from signoff.judge import Change, compare
from signoff.judge.fingerprint import differences
from signoff.judge.sequential import Looks
from signoff.records import LayerRecord, Status
from signoff.report.comparison import html as comparison_html
from signoff.report.comparison import markdown as comparison_md
from signoff.report.results import build, comparison_gates
from tests.test_report_results import make_run, passing, signoff

ENDPOINTS = ("GET /api/v1/jobs", "GET /api/v1/jobs/{job_id}/summary", "GET /api/v1/reports/summary")
PHASES = ("baseline", "spike")
SLOWED = "GET /api/v1/jobs/{job_id}/summary"


def load_run(
    tmp: Path,
    seed: int,
    slower: str | None = None,
    extra_records: list[LayerRecord] | None = None,
    level: float = 1.0,
) -> Path:
    """A run whose load layer kept samples; `slower` makes one endpoint 25% slower and
    `level` moves the whole run, as a busier or cooler machine does."""
    rng = np.random.default_rng(seed)
    run, _ = make_run(tmp, [passing("unit"), passing("load"), *(extra_records or [])])
    samples = {}
    for endpoint in ENDPOINTS:
        for phase in PHASES:
            values = rng.lognormal(np.log(30 if phase == "spike" else 15), 0.35, 600)
            factor = level * (1.25 if endpoint == slower else 1.0)
            samples[f"{endpoint} | spike/{phase}"] = [float(v * factor) for v in values]
    (run / "load" / "samples.json").write_text(json.dumps(samples))
    rps = {f"spike/{p}": [float(v) for v in rng.normal(120, 6, 40) / level] for p in PHASES}
    (run / "load" / "throughput.json").write_text(json.dumps(rps))
    return run


def documents(tmp: Path, count: int, seed: int, slower: str | None = None) -> list[dict[str, Any]]:
    """`count` runs of one build, each on a machine 0-6% slower or faster than the last."""
    levels = np.exp(np.random.default_rng(seed).normal(0.0, 0.03, count))
    docs = []
    for index, level in enumerate(levels):
        run = load_run(tmp / f"{seed}-{index}", seed * 100 + index, slower, level=float(level))
        docs.append(build(run, _config(tmp / f"{seed}-{index}")).to_json())
    return docs


def _config(folder: Path) -> Any:
    from signoff import config as config_mod

    return config_mod.load(folder)


def rows(doc: dict[str, object]) -> dict[str, str]:
    comparison = doc["comparison"]
    assert isinstance(comparison, dict)
    return {f"{r['series']} ({r['figure']})": r["change"] for r in comparison["rows"]}


def test_runs_of_one_build_compare_the_same_and_pass(tmp_path: Path) -> None:
    result = compare(documents(tmp_path, 8, 1), documents(tmp_path, 8, 2))
    assert result.advisory == []
    # every endpoint over the profile's phases and the run level, at p50 and p95, and the
    # throughput of each phase
    assert len(result.rows) == (len(ENDPOINTS) + 1) * 2 + len(PHASES)
    assert {r.shift.change for r in result.rows} == {Change.SAME}
    assert all(g.status is Status.PASS and g.required for g in comparison_gates(result))


def test_runs_with_one_endpoint_25_percent_slower_flag_that_endpoint_only(tmp_path: Path) -> None:
    result = compare(documents(tmp_path, 8, 1), documents(tmp_path, 8, 3, slower=SLOWED))
    slower = sorted(r.series for r in result.rows if r.shift.change is Change.SLOWER)
    assert set(slower) == {f"load: {SLOWED} | spike"}
    gate = next(g for g in comparison_gates(result) if g.name == "baseline / latency")
    assert gate.status is Status.FAIL
    assert gate.required is True
    for row in result.rows:
        assert row.shift.mde is not None
        assert row.shift.mde < 0.25  # the printed noise floor is below the change it caught


def test_one_stored_baseline_is_advisory_and_never_fails_a_same_build_pair(tmp_path: Path) -> None:
    # the same build twice, the second run on a machine 15% slower throughout
    base = load_run(tmp_path / "a", seed=1)
    cand = load_run(tmp_path / "b", seed=2, level=1.15)
    signoff(tmp_path / "a", "report")
    result = signoff(tmp_path / "b", "report", str(cand), "--baseline", str(base / "report.json"))
    assert result.returncode == 0, result.stdout[-2000:]
    doc = json.loads((cand / "report.json").read_text())
    assert "slower" not in rows(doc).values()
    assert doc["comparison"]["advisory"]
    assert "1 baseline and 1 candidate run(s)" in doc["comparison"]["advisory"][0]
    latency = next(g for g in doc["gates"] if g["name"] == "baseline / latency")
    assert latency["required"] is False
    md = (cand / "report.md").read_text()
    assert "Advisory only" in md
    assert "| min. detectable |" in md
    assert f"| latency | load: {SLOWED} \\| spike | p95 |" in md
    html = (cand / "report.html").read_text()
    assert "min. detectable" in html
    assert "assumed noise" in html


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
    doc = json.loads((cand / "report.json").read_text())
    assert any("machine.cpu_model differs" in r for r in doc["comparison"]["advisory"])
    assert all(not g["required"] for g in doc["gates"] if g["layer"] == "baseline")


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
    failing = {g.name for g in comparison_gates(comp) if g.status is Status.FAIL}
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


def test_the_gate_names_a_slower_series_with_the_interval_it_was_read_from(tmp_path: Path) -> None:
    result = compare(documents(tmp_path, 8, 1), documents(tmp_path, 8, 3, slower=SLOWED))
    gate = next(g for g in comparison_gates(result) if g.name == "baseline / latency")
    for row in result.rows:
        s = row.shift
        if s.change is not Change.SLOWER:
            continue
        assert s.ci_low is not None
        assert s.ci_high is not None
        assert s.ci_low > 0
        shown = f"{s.relative:+.1%} [{s.ci_low:+.1%}..{s.ci_high:+.1%}, {s.confidence:.2%}]"
        assert f"{row.series} ({s.figure}) {shown}" in gate.message


def test_a_sequential_comparison_says_how_far_its_looks_went(tmp_path: Path) -> None:
    base, cand = documents(tmp_path, 4, 1), documents(tmp_path, 4, 3, slower=SLOWED)
    result = compare(base, cand, paired=True, looks=Looks(3, 6))
    assert result.stop is not None
    looks = result.to_json()["looks"]
    assert looks["pairs"] == result.stop.pairs
    assert looks["cap"] == 6
    assert looks["reason"] == result.stop.reason
    run = load_run(tmp_path / "report", 99)
    results = dataclasses.replace(build(run, _config(tmp_path / "report")), comparison=result)
    md = "\n".join(comparison_md(results))
    assert f"{result.stop.pairs} pairs of runs of at most 6" in md
    assert result.stop.reason in md
    row = next(r for r in result.rows if r.shift.confidence is not None)
    assert f"({row.shift.confidence:.2%})" in md
    assert result.stop.reason in comparison_html(results)
