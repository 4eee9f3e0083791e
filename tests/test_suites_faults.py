"""Breaking the service on purpose makes the matching live-stack suite fail, naming the cause."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT

pytestmark = pytest.mark.stack


def context(run: Path) -> LayerContext:
    return LayerContext(run_dir=run, config=config.load(ROOT), profile="pr")


def junit_text(run: Path, layer: str) -> str:
    """The JUnit report with XML entities resolved, so messages read as the test wrote them."""
    return html.unescape((run / layer / "junit.xml").read_text(encoding="utf-8"))


def run_suite(run: Path, layer: str, paths: list[str], extra: list[str]) -> LayerRecord:
    return run_pytest_layer(context(run), layer, paths, extra=extra, coverage="none")


def test_a_dashboard_panel_naming_a_missing_metric_fails_observability(tmp_path: Path) -> None:
    dashboard = json.loads((ROOT / "stack/dashboards/ledger.json").read_text(encoding="utf-8"))
    panel = next(p for p in dashboard["panels"] if p.get("targets"))
    panel["targets"][0]["expr"] = "sum(rate(ledger_bogus_widgets_total[5m]))"
    broken = tmp_path / "broken-dashboard.json"
    broken.write_text(json.dumps(dashboard), encoding="utf-8")
    run = tmp_path / "run"
    record = run_suite(
        run,
        "observability",
        ["suites/observability/test_observability_dashboards.py"],
        ["--dashboard", str(broken)],
    )
    assert record.status is Status.FAIL, record.reasons
    expected = f"panel {panel['title']!r} references metric 'ledger_bogus_widgets_total'"
    assert expected in junit_text(run, "observability")


def test_a_route_that_answers_500_on_a_bad_field_fails_the_api_suite(tmp_path: Path) -> None:
    run = tmp_path / "run"
    record = run_suite(
        run,
        "api",
        ["suites/api/test_api_validation.py", "-k", "bad_job_fields"],
        ["--signoff-service-env", "LEDGER_FAULTS=error_on_bad_field"],
    )
    assert record.status is Status.FAIL, record.reasons
    expected = "POST /api/v1/jobs with a bad 'name' answered 500, expected 422"
    assert expected in junit_text(run, "api")


def test_a_cache_not_invalidated_on_write_fails_the_api_suite(tmp_path: Path) -> None:
    run = tmp_path / "run"
    record = run_suite(
        run,
        "api",
        ["suites/api/test_api_cache.py"],
        ["--signoff-service-env", "LEDGER_FAULTS=no_cache_invalidation"],
    )
    assert record.status is Status.FAIL, record.reasons
    assert record.figures["failed"] == 2, record.summary
    assert junit_text(run, "api").count("the cache was not invalidated on write") >= 2


def test_the_same_checks_pass_on_the_unbroken_service(tmp_path: Path) -> None:
    run = tmp_path / "run"
    record = run_suite(
        run,
        "api",
        [
            "suites/api/test_api_cache.py",
            "suites/api/test_api_validation.py",
            "-k",
            "cache or bad_job_fields",
        ],
        [],
    )
    assert record.status is Status.PASS, record.reasons
    assert record.evaluated["tests"] >= 9
