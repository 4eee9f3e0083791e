"""Breaking the service on purpose makes the matching live-stack suite fail, naming the cause."""

from __future__ import annotations

import html
import json
import re
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
    # the worker's completion (both reads) and a job's deletion (the tenant summary) go stale
    assert record.figures["failed"] == 3, record.summary
    text = junit_text(run, "api")
    assert re.search(r"GET /api/v1/jobs/\d+/summary stayed stale after the worker", text)
    assert re.search(r"GET /api/v1/reports/summary stayed stale after DELETE /api/v1/jobs/", text)


JOB_SUMMARY = r"GET /api/v1/jobs/\d+/summary"
TENANT_SUMMARY = "GET /api/v1/reports/summary"
# fault: (the tests of its path, the failures it must cause: read and path named)
STALE_PATHS = {
    "stale_after_worker": (
        "worker_completes",
        [
            rf"{TENANT_SUMMARY} stayed stale after the worker completed run \d+",
            rf"{JOB_SUMMARY} stayed stale after the worker completed run \d+",
        ],
    ),
    "stale_after_delete": (
        "deleting_a_job",
        # the job summary checks ownership outside the cache, so it answers 404 regardless
        [rf"{TENANT_SUMMARY} stayed stale after DELETE /api/v1/jobs/\d+"],
    ),
    "stale_after_revoke": (
        "revoking",
        [
            rf"{TENANT_SUMMARY} stayed stale after DELETE /api/v1/keys/\d+ revoked the key",
            rf"{JOB_SUMMARY} stayed stale after DELETE /api/v1/keys/\d+ revoked the key",
        ],
    ),
    "stale_after_expiry": (
        "behind_the_services_back",
        [
            rf"{TENANT_SUMMARY} stayed stale after run \d+'s summary was corrected in PostgreSQL"
            r" and its TTL of [0-9.]+ s elapsed",
            rf"{JOB_SUMMARY} stayed stale after run \d+'s summary was corrected in PostgreSQL"
            r" and its TTL of [0-9.]+ s elapsed",
        ],
    ),
}


@pytest.mark.parametrize("fault", sorted(STALE_PATHS))
def test_each_skipped_refresh_fails_the_api_suite_naming_the_read_and_the_path(
    tmp_path: Path, fault: str
) -> None:
    selector, expected = STALE_PATHS[fault]
    run = tmp_path / "run"
    record = run_suite(
        run,
        "api",
        ["suites/api/test_api_cache.py", "-k", selector],
        ["--signoff-service-env", f"LEDGER_FAULTS={fault}"],
    )
    assert record.status is Status.FAIL, record.reasons
    assert record.figures["failed"] == len(expected), record.summary
    text = junit_text(run, "api")
    missing = [pattern for pattern in expected if not re.search(pattern, text)]
    assert not missing, f"{fault}: no failure matched {missing}; record: {record.summary}"


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
    # the contract's eight cases (four paths, two reads each) ran, not a subset
    assert record.figures["passed"] >= 8, record.summary
