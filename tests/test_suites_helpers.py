"""The pure parts of the fuzz and observability layers: schema walking, reports, PromQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff.fuzz import (
    external_refs,
    junit_failures,
    merge_reports,
    operations,
    passes,
)
from signoff.observability import (
    base_name,
    dashboard_expressions,
    dashboard_problems,
    metric_names,
    rule_expressions,
)
from tests.conftest import ROOT

DOC = {
    "paths": {
        "/a": {"get": {}, "post": {}, "parameters": []},
        "/api/v1/keys/{key_id}": {"delete": {}},
    },
    "components": {"schemas": {"X": {"$ref": "#/components/schemas/Y"}}},
}


def test_operations_list_every_method_of_every_path() -> None:
    assert operations(DOC) == ["GET /a", "POST /a", "DELETE /api/v1/keys/{key_id}"]


def test_key_revocation_runs_in_its_own_last_pass() -> None:
    last = ["DELETE /api/v1/keys/{key_id}"]
    assert passes(DOC, last) == [
        ("main", ["--exclude-name=DELETE /api/v1/keys/{key_id}"]),
        ("last", ["--include-name=DELETE /api/v1/keys/{key_id}"]),
    ]
    assert passes({"paths": {"/a": {"get": {}}}}, last) == [("main", [])]


def test_a_read_only_deployment_is_fuzzed_on_allowed_operations_only() -> None:
    assert passes(DOC, [], ["GET /a"]) == [("main", ["--include-name=GET /a"])]


def test_external_refs_are_found_anywhere() -> None:
    assert external_refs(DOC) == []
    remote = {"a": [{"b": {"$ref": "https://cdn.example/schema.json#/X"}}]}
    assert external_refs(remote) == ["https://cdn.example/schema.json#/X"]


def test_a_missing_pass_report_makes_the_merge_empty() -> None:
    full = {"operations": {"tested": 3}, "test_cases": {"generated": 9, "unique_failures": 1}}
    assert merge_reports([full, {}]) == {}
    merged = merge_reports([full, full])
    assert merged["operations"]["tested"] == 6
    assert merged["test_cases"]["unique_failures"] == 2


def test_junit_failures_keep_the_curl_reproducer(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="s"><testcase name="POST /api/v1/jobs">'
        "<failure>- Server error\n\nReproduce with:\n\n    curl -X POST http://x/api/v1/jobs"
        '</failure></testcase><testcase name="GET /ok"/></testsuite></testsuites>',
        encoding="utf-8",
    )
    found = junit_failures(junit)
    assert [f["operation"] for f in found] == ["POST /api/v1/jobs"]
    assert found[0]["reproduce"] == ["curl -X POST http://x/api/v1/jobs"]
    assert junit_failures(tmp_path / "missing.xml") == []


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("sum(rate(a_total[5m]))", {"a_total"}),
        ("histogram_quantile(0.95, sum by (le) (rate(h_bucket[$__rate_interval])))", {"h_bucket"}),
        ('a / ignoring(x) b{l="v"} > 3', {"a", "b"}),
        ('{__name__="by_matcher"}', {"by_matcher"}),
        ("max_over_time(g[10m:1m]) or vector(0)", {"g"}),
    ],
)
def test_metric_names_come_from_the_parsed_expression(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_bad_promql_raises() -> None:
    with pytest.raises(ValueError, match="parenthesis"):
        metric_names("sum(rate(a[5m])")


def test_histogram_suffixes_map_to_the_base_metric() -> None:
    assert base_name("x_seconds_bucket") == "x_seconds"
    assert base_name("x_total") == "x_total"


def test_a_dashboard_without_import_fields_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"panels": [{"title": "P", "targets": [{}]}]}), encoding="utf-8")
    problems = dashboard_problems(path)
    assert "d.json: the dashboard has no 'title'." in problems
    assert "d.json: the dashboard has no 'schemaVersion'." in problems
    assert "d.json: panel 'P' has no type, gridPos." in problems
    assert "d.json: panel 'P' has a target without 'expr'." in problems


def test_the_shipped_dashboard_and_rules_are_read() -> None:
    panels = dashboard_expressions(ROOT / "stack/dashboards/ledger.json")
    rules = rule_expressions(ROOT / "stack/alerts/ledger-rules.yml")
    assert panels
    assert rules
    assert all(e.where.startswith(("panel", "variable")) for e in panels)
    assert all(e.where.startswith(("alert", "record")) for e in rules)
