"""Runs for the run-store tests, written through `signoff.records` with their JUnit XML beside
them, then reported by `write_all` as `signoff report` does; no layer runs. `Figures` is what
one run measured: coverage, the audit score, p95 per endpoint, fuzz findings and each test
case's outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from signoff import config as config_mod
from signoff import rundir
from signoff.records import Check, Evidence, LayerRecord, threshold_check, write_record
from signoff.report.model import write_plan
from signoff.report.results import Results
from signoff.report.write import write_all

LAYERS = ["unit", "coverage", "audit", "load", "fuzz"]
ENDPOINTS = ("GET /jobs", "POST /jobs")
TESTS = ("test_create", "test_list", "test_delete")


@dataclass(frozen=True)
class Figures:
    coverage: float = 94.0
    score: float = 92.0
    p95: Mapping[str, float] = field(
        default_factory=lambda: {"GET /jobs": 41.0, "POST /jobs": 60.0}
    )
    findings: int = 0
    outcomes: Mapping[str, str] = field(default_factory=lambda: dict.fromkeys(TESTS, "passed"))
    seconds: float = 10.0


def project(tmp: Path, history: str = "") -> config_mod.Config:
    """A project whose `pr` profile requires every layer; `history` is its [history] table."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "signoff.toml").write_text(
        f'run_dir = "reports"\n[profiles.pr]\nlayers = {json.dumps(LAYERS)}\n'
        f"required = {json.dumps(LAYERS)}\n[history]\n{history}\n",
        encoding="utf-8",
    )
    return config_mod.load(tmp)


def _record(layer: str, checks: list[Check], seconds: float, **fields: object) -> LayerRecord:
    evidence = Evidence(checks=checks, **fields)  # type: ignore[arg-type]
    return LayerRecord.judged(layer, evidence, {"duration_s": seconds})


def _junit(folder: Path, outcomes: Mapping[str, str]) -> None:
    cases = []
    for name, outcome in outcomes.items():
        inner = '<failure message="assert 1 == 2"/>' if outcome == "failed" else ""
        cases.append(
            f'<testcase classname="suites.unit.test_jobs" name={quoteattr(name)}>{inner}</testcase>'
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "junit.xml").write_text(
        f'<testsuites><testsuite name="pytest">{"".join(cases)}</testsuite></testsuites>',
        encoding="utf-8",
    )


def _unit(run: Path, f: Figures) -> LayerRecord:
    _junit(run / "unit", f.outcomes)
    failed = sum(1 for o in f.outcomes.values() if o == "failed")
    count = {"tests": len(f.outcomes)}
    checks = [threshold_check("failed tests", failed, "==", 0, evidence="junit.xml")]
    return _record(
        "unit",
        checks,
        f.seconds,
        declared=count,
        evaluated=count,
        artifacts={"junit": "unit/junit.xml"},
    )


def _load(f: Figures) -> LayerRecord:
    endpoints = {name: {"p50_ms": p95 / 3, "p95_ms": p95} for name, p95 in f.p95.items()}
    checks = [threshold_check(f"steady: p95 {n}", v, "<=", 100, " ms") for n, v in f.p95.items()]
    figures = {"profiles": {"smoke": {"phases": {"steady": {"endpoints": endpoints}}}}}
    count = {"phases": 1}
    return _record("load", checks, f.seconds * 3, declared=count, evaluated=count, figures=figures)


def records(run: Path, f: Figures) -> list[LayerRecord]:
    one = {"units": 1}
    return [
        _unit(run, f),
        _record(
            "coverage",
            [threshold_check("line coverage", f.coverage, ">=", 80, "%")],
            f.seconds / 2,
            declared=one,
            evaluated=one,
            figures={"line_percent": f.coverage},
        ),
        _record(
            "audit",
            [threshold_check("security score", f.score, ">=", 80)],
            f.seconds * 2,
            declared=one,
            evaluated=one,
            figures={"score": f.score},
        ),
        _load(f),
        _record(
            "fuzz",
            [threshold_check("fuzzing failures", f.findings, "==", 0)],
            f.seconds,
            declared=one,
            evaluated=one,
            figures={"unique_failures": f.findings},
        ),
    ]


def report(
    cfg: config_mod.Config,
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
    commit: str,
    branch: str = "main",
) -> tuple[Results, dict[str, Path]]:
    """A new run with these figures, reported (and so stored) as of `commit` on `branch`."""
    monkeypatch.setenv("SIGNOFF_COMMIT", commit)
    monkeypatch.setenv("SIGNOFF_BRANCH", branch)
    run = rundir.create(cfg.run_root)
    write_plan(run, "pr", LAYERS, LAYERS)
    for record in records(run, figures):
        write_record(run / record.layer, record)
    return write_all(run, cfg)


def ten_runs() -> list[Figures]:
    """Ten runs of main: clean ones and planted regressions (a failing test, coverage lost,
    a slower endpoint, a vulnerable dependency's lower score, fuzz findings)."""
    clean = Figures()
    return [
        clean,
        Figures(coverage=94.5, seconds=11),
        Figures(outcomes={**clean.outcomes, "test_list": "failed"}),
        Figures(coverage=88.0, seconds=12),
        Figures(p95={"GET /jobs": 44.0, "POST /jobs": 61.0}),
        Figures(score=85.0),
        Figures(p95={"GET /jobs": 52.0, "POST /jobs": 130.0}),
        Figures(findings=2),
        Figures(coverage=79.0),
        Figures(coverage=95.0, score=93.0, p95={"GET /jobs": 40.0, "POST /jobs": 58.0}),
    ]
