"""Markdown within its cap with verdicts kept, JUnit with one case per gate, JSON as the model."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from signoff.records import Check, LayerRecord, Status
from signoff.report.json import JsonRenderer
from signoff.report.junit import JunitRenderer
from signoff.report.markdown import MarkdownRenderer
from signoff.report.results import build
from tests.test_report_results import make_run, passing


def many_checks(layer: str, count: int, failing: int) -> LayerRecord:
    checks = [
        Check(
            f"check {i} " + "x" * 80,
            Status.FAIL if i < failing else Status.PASS,
            i,
            0,
            ">=",
            message="m" * 200,
        )
        for i in range(count)
    ]
    return LayerRecord(
        layer,
        Status.FAIL if failing else Status.PASS,
        "many",
        {"n": 1},
        {"n": 1},
        {},
        checks,
        reasons=["r" * 300] * 50,
    )


def test_markdown_stays_under_the_cap_and_keeps_the_verdict_and_failures(tmp_path: Path) -> None:
    run, cfg = make_run(tmp_path, [many_checks("api", 400, failing=60), passing("unit")])
    results = build(run, cfg)
    full = MarkdownRenderer().format(results)
    cap = 4000
    short = MarkdownRenderer(max_bytes=cap).format(results)
    assert len(full.encode()) > cap
    assert len(short.encode()) <= cap
    assert short.startswith("## signoff: ❌ FAIL")
    assert "Truncated to fit" in short
    assert short.index("| api | ❌ FAIL |") < short.index("### Not passing")
    for i in range(3):  # the failing checks are listed, the passing ones never
        assert f"- ❌ `check {i} " in short
    assert "check 60 " not in full
    assert "- … and 10 more in report.html" in full  # a long list is cut per layer


def test_junit_has_one_case_per_gate_with_failures_errors_and_skips(tmp_path: Path) -> None:
    advisory = LayerRecord(
        "load",
        Status.FAIL,
        "slow",
        {"r": 1},
        {"r": 1},
        {},
        [Check("p95", Status.FAIL, 300, 200, "<=", " ms", "too slow")],
    )
    run, cfg = make_run(
        tmp_path,
        [passing("unit"), many_checks("api", 2, failing=1), advisory],
        layers=["unit", "api", "load", "e2e"],
        required=["unit", "api", "e2e"],
    )
    results = build(run, cfg)
    root = ET.fromstring(JunitRenderer().format(results))
    cases = root.findall(".//testcase")
    assert len(cases) == len(results.all_gates)
    by_name = {c.get("name"): c for c in cases}
    assert by_name["api / check 0 " + "x" * 80 + " [required]"].find("failure") is not None
    assert by_name["e2e [required]"].find("error") is not None
    assert by_name["load / p95 [advisory]"].find("skipped") is not None
    assert by_name["unit [required]"].find("failure") is None
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "2"  # api and its failing check
    assert suite.get("errors") == "1"


def test_json_is_the_results_model(tmp_path: Path) -> None:
    run, cfg = make_run(tmp_path, [passing("unit")])
    results = build(run, cfg)
    doc = json.loads(JsonRenderer().format(results))
    assert doc == json.loads(json.dumps(results.to_json(), default=str))
    assert doc["layers"][0]["record"]["schema"] == "signoff.record/1"
