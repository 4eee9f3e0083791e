"""Run directories for the report tests, written through `signoff.records` with their raw
evidence beside them — no layer runs. Evidence paths are named the ways real layers name
them: relative to the run (`audit/pip-audit.json`), to the layer's folder (`junit.xml`) and
outside the run (`../../audits/waivers.toml`, the project's waiver file).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from signoff import config as config_mod
from signoff.records import Check, LayerRecord, Status, judge, threshold_check
from tests.test_report_results import make_run

# A 1x1 PNG, standing for a plot a layer drew itself.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
REQUIRED = ["unit", "api", "audit", "coverage", "load"]
LAYERS = [*REQUIRED, "fuzz"]
FAILED_TESTS = {
    "suites/api/test_jobs.py::test_create_job_rejects_bad_rules": "assert 500 == 422",
    "suites/api/test_jobs.py::test_list_jobs_paginates": "AssertionError: page 2 is empty",
    "suites/api/test_runs.py::test_run_is_idempotent": "assert 2 == 1\n  where 2 = len(runs)",
}


def _record(layer: str, checks: list[Check], **fields: object) -> LayerRecord:
    declared = fields.pop("declared", {"tests": 4})
    evaluated = fields.pop("evaluated", declared)
    status, reasons = judge(checks, declared, evaluated)  # type: ignore[arg-type]
    return LayerRecord(
        layer,
        status,
        checks=checks,
        declared=declared,  # type: ignore[arg-type]
        evaluated=evaluated,  # type: ignore[arg-type]
        reasons=reasons,
        duration_s=12.5,
        **fields,  # type: ignore[arg-type]
    )


def _pytest_layer(layer: str, failed: dict[str, str]) -> LayerRecord:
    checks = [threshold_check("failed tests", len(failed), "==", 0, evidence="junit.xml")]
    checks += [
        Check(test, Status.FAIL, message=msg.splitlines()[0], evidence="junit.xml")
        for test, msg in failed.items()
    ]
    return _record(
        layer,
        checks,
        summary=f"{4 - len(failed)} passed, {len(failed)} failed of 4 collected",
        figures={"passed": 4 - len(failed), "failed": len(failed), "skipped": 0},
        artifacts={"junit": f"{layer}/junit.xml"},
        tools={"pytest": "9"},
    )


def _audit(vulnerable: bool) -> LayerRecord:
    vulns = (
        [{"id": "PYSEC-2024-48", "package": "jinja2", "version": "3.1.2", "waived": False}]
        if vulnerable
        else []
    )
    checks = [
        threshold_check("security score", 85.0 if vulnerable else 92.5, ">=", 80),
        threshold_check(
            "fixable vulnerabilities", len(vulns), "==", 0, evidence="audit/pip-audit.json"
        ),
        threshold_check("expired waivers", 0, "==", 0, evidence="../../audits/waivers.toml"),
    ]
    if vulnerable:
        checks[1] = Check(
            "fixable vulnerabilities",
            Status.FAIL,
            1,
            0,
            "==",
            message="PYSEC-2024-48 in jinja2 3.1.2 (fixed in 3.1.3).",
            evidence="audit/pip-audit.json",
        )
    return _record(
        "audit",
        checks,
        summary="score and vulnerabilities",
        declared={"dependencies": 25},
        figures={
            "score": checks[0].figure,
            "vulnerabilities": vulns,
            "bandit_findings": {"high": 0, "ids": []},
            "findings_by_severity": {"HIGH": 0, "MEDIUM": 2, "LOW": 5},
            "not_audited": {},
            "advisory_source": None,
        },
        artifacts={"pip_audit": "audit/pip-audit.json", "waivers": "../../audits/waivers.toml"},
    )


def _coverage() -> LayerRecord:
    checks = [
        threshold_check("line coverage", 94.6, ">=", 70, "%", "coverage/coverage.json"),
        threshold_check("branch coverage", 88.4, ">=", 60, "%", "coverage/coverage.json"),
    ]
    return _record(
        "coverage",
        checks,
        summary="line 94.6%, branch 88.4%",
        declared={"data files": 2},
        figures={"line_percent": 94.6, "by_package": {"app": 94.1, "app/api": 88.0}},
        artifacts={"coverage_json": "coverage/coverage.json"},
    )


def _load() -> LayerRecord:
    checks = [
        threshold_check(f"steady: {q}", figure, "<=", limit, " ms", "load/smoke/phases.json")
        for q, figure, limit in (("p50", 5.8, 100), ("p95", 65.4, 400), ("p99", 105.2, 800))
    ]
    return _record(
        "load",
        checks,
        summary="smoke: 1333 requests, 3 checks, 0 failed",
        declared={"phases": 1},
        figures={"profiles": {"smoke": {"phases": {"steady": {"p95_ms": 65.4}}}}},
        artifacts={
            "samples_json": "load/samples.json",
            "smoke_latency_png": "load/smoke/latency.png",
            "smoke_throughput_png": "load/smoke/throughput.png",
            "smoke_hdr_logs": "load/smoke/hdr",
        },
    )


def _fuzz() -> LayerRecord:
    checks = [threshold_check("fuzzing failures", 0, "==", 0, evidence="fuzz")]
    return _record("fuzz", checks, summary="25 operations", declared={"operations": 25})


def _raw_evidence(run: Path, project: Path) -> None:
    files = {
        "unit/junit.xml": "<testsuites/>",
        "api/junit.xml": "<testsuites/>",
        "audit/pip-audit.json": "{}",
        "coverage/coverage.json": "{}",
        "load/smoke/phases.json": "{}",
        "load/samples.json": json.dumps({"GET /a | smoke/steady": [1.0, 2.0, 3.0]}),
        "load/smoke/hdr/GET_a.hlog": "",
        "fuzz/failures.md": "none",
    }
    for rel, text in files.items():
        (run / rel).parent.mkdir(parents=True, exist_ok=True)
        (run / rel).write_text(text, encoding="utf-8")
    for name in ("latency", "throughput"):
        (run / "load" / "smoke" / f"{name}.png").write_bytes(PIXEL)
    (project / "audits").mkdir(exist_ok=True)
    (project / "audits" / "waivers.toml").write_text("# no waivers\n", encoding="utf-8")


def clean_run(tmp: Path) -> tuple[Path, config_mod.Config]:
    """Every layer passes."""
    records = [
        _pytest_layer("unit", {}),
        _pytest_layer("api", {}),
        _audit(False),
        _coverage(),
        _load(),
        _fuzz(),
    ]
    run, cfg = make_run(tmp, records, layers=LAYERS, required=REQUIRED)
    _raw_evidence(run, tmp)
    return run, cfg


def failing_run(tmp: Path) -> tuple[Path, config_mod.Config]:
    """Two required layers fail: api (three tests) and audit (one vulnerable dependency)."""
    records = [
        _pytest_layer("unit", {}),
        _pytest_layer("api", FAILED_TESTS),
        _audit(True),
        _coverage(),
        _load(),
        _fuzz(),
    ]
    run, cfg = make_run(tmp, records, layers=LAYERS, required=REQUIRED)
    _raw_evidence(run, tmp)
    return run, cfg
