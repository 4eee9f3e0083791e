"""The pure parts of deterministic fuzzing: the seed, the command line, stored reproductions and
how replay verdicts turn into checks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.errors import UsageError
from signoff.fuzz.checks import failures_check, flaky_check
from signoff.fuzz.command import command, resolve_seed, seed_args
from signoff.fuzz.replay import ERROR, FLAKY, REPRODUCED, classify, findings
from signoff.fuzz.results import case_answers, junit_failures, write_failures
from signoff.fuzz.servererrors import contract_check, mark
from signoff.probes.contract import UNDOCUMENTED, server_error
from signoff.records import Status

SETTINGS = dataclasses.replace(
    config.from_table(config.FuzzSettings, config.defaults()["fuzz"], "fuzz"),
    checks="all",
    exclude_checks=(),
    max_examples=5,
    max_time=0,
    phases="examples,stateful",
    workers=1,
    request_timeout=2.0,
    config_file="",
)


def test_seed_from_the_command_line_wins_then_the_configured_one() -> None:
    assert seed_args(["--seed", "7", "-n", "3"]) == (7, ["-n", "3"])
    assert seed_args(["--seed=8"]) == (8, [])
    assert seed_args(["-n", "3"]) == (None, ["-n", "3"])
    assert resolve_seed(5, 9) == 9
    assert resolve_seed(5, None) == 5


def test_an_unconfigured_seed_is_drawn_anew_and_never_zero() -> None:
    drawn = {resolve_seed(0, None) for _ in range(20)}
    assert len(drawn) > 1
    assert all(seed > 0 for seed in drawn)


def test_a_seed_that_is_not_a_number_is_one_clear_error() -> None:
    with pytest.raises(UsageError, match="whole number") as info:
        seed_args(["--seed", "abc"])
    assert info.value.hint


def test_every_pass_gets_the_seed_and_no_time_budget_by_default(tmp_path: Path) -> None:
    argv = command(SETTINGS, tmp_path / "o.json", "http://h:1", {}, tmp_path, "main", 42)
    assert "--seed=42" in argv
    assert "--generation-database=none" in argv
    assert not any(a.startswith("--max-time") for a in argv)
    budget = command(
        dataclasses.replace(SETTINGS, max_time=30), tmp_path, "http://h:1", {}, tmp_path, "m", 1
    )
    assert "--max-time=30" in budget


def _junit(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(f"<testsuites><testsuite>{body}</testsuite></testsuites>", encoding="utf-8")
    return path


def test_junit_failures_name_their_test_cases(tmp_path: Path) -> None:
    junit = _junit(
        tmp_path,
        '<testcase name="PUT /r"><failure>1. Test Case ID: bq8yOW\n- ST201 Accepted\n'
        "2. Test Case ID: Zz9_a\n- ST101 Server error</failure></testcase>",
    )
    [failure] = junit_failures(junit)
    assert failure["case_ids"] == ["bq8yOW", "Zz9_a"]


FAILURES = [
    {"operation": "PUT /r", "kind": "failure", "case_ids": ["a1", "b2"], "message": "- ST201 X"},
    {"operation": "GET /s", "kind": "failure", "case_ids": [], "message": "- ST101 Y"},
    {"operation": "GET /t", "kind": "error", "case_ids": ["c3"], "message": "boom"},
]


def test_only_a_case_that_passed_every_replay_is_flaky() -> None:
    confirmed, flaky = classify(FAILURES, {"a1": FLAKY, "b2": REPRODUCED})
    assert flaky == ["PUT /r (a1)"]
    assert confirmed == ["PUT /r (b2)", "GET /s (no test case id)"]
    # no verdict (not replayed) or a replay that could not run: the failure stands
    confirmed, flaky = classify(FAILURES, {"b2": ERROR})
    assert flaky == []
    assert "PUT /r (a1)" in confirmed
    assert "PUT /r (b2)" in confirmed


def test_flaky_findings_are_reported_and_gate_only_when_asked() -> None:
    shown = flaky_check(["PUT /r (a1)"], False, "fuzz/failures.md")
    assert shown.status is Status.PASS
    assert shown.figure == 1
    assert "did not reproduce" in shown.message
    assert flaky_check(["PUT /r (a1)"], True, "").status is Status.FAIL
    assert flaky_check([], True, "").status is Status.PASS


def test_the_failures_check_counts_confirmed_cases_and_fails_closed() -> None:
    only_flaky = failures_check(FAILURES[:1], [], 2, "", "e")
    assert only_flaky.status is Status.PASS
    confirmed = failures_check(FAILURES, ["GET /s (no test case id)"], 3, "", "e")
    assert confirmed.status is Status.FAIL
    assert confirmed.figure == 1
    assert "GET /s" in confirmed.message
    # the summary counts failures the JUnit file does not show: they count
    assert failures_check([], [], 2, "", "e").status is Status.FAIL
    assert failures_check([], [], None, "", "e").status is Status.INCONCLUSIVE


def test_stored_reproductions_are_grouped_by_test_case(tmp_path: Path) -> None:
    crashes = tmp_path / ".schemathesis" / "default" / "cache" / "crashes"
    crashes.mkdir(parents=True)
    (crashes / "manifest.json").write_text("{}", encoding="utf-8")
    for check in ("negative_data_rejection", "not_a_server_error"):
        step = {"checks": [{"name": check, "status": "failure", "message": ""}]}
        crash = {"case_id": "a1", "operation": "PUT /r", "sequence": [step]}
        (crashes / f"PUT_r_{check}.json").write_text(json.dumps(crash), encoding="utf-8")
    (crashes / "broken.json").write_text("{", encoding="utf-8")
    [finding] = findings(tmp_path)
    assert finding.case_id == "a1"
    assert sorted(finding.checks) == ["negative_data_rejection", "not_a_server_error"]
    assert len(finding.files) == 2


def test_failures_md_shows_each_replay_verdict(tmp_path: Path) -> None:
    items = [dict(FAILURES[0])]
    write_failures(tmp_path, items, {"a1": FLAKY})
    text = (tmp_path / "failures.md").read_text(encoding="utf-8")
    assert "replay of test case a1: FLAKY" in text
    assert json.loads((tmp_path / "failures.json").read_text())[0]["replay"] == {"a1": FLAKY}


def test_a_5xx_is_documented_by_its_code_its_range_or_default_but_a_500_never_is() -> None:
    assert server_error(["200", "503"], 503) == "documented 503"
    assert server_error(["200", "5XX"], 502) == "documented 502"
    assert server_error(["default"], 504) == "documented 504"
    assert server_error(["200", "500"], 500) == UNDOCUMENTED
    assert server_error(["200", "503"], 502) == UNDOCUMENTED
    assert server_error(["200"], 404) is None


BLOCKS = (
    "1. Test Case ID: a1\n\n- ST101 Server error\n\n[503] Service Unavailable:\n\n    `busy`"
    "\n\n2. Test Case ID: b2\n\n- ST101 Server error\n\n- ST103 Undocumented status code"
    "\n\n    Received: 500\n\n[500] Internal Server Error:\n\n    `[200] ok`"
    "\n\n3. Test Case ID: c3\n\n- ST101 Server error\n\n- ST202 Rejected\n\n[503] Busy:"
)
DOCUMENT: dict[str, Any] = {"paths": {"/r": {"get": {"responses": {"200": {}, "503": {}}}}}}


def test_each_case_keeps_its_status_and_the_checks_it_failed() -> None:
    found = case_answers(BLOCKS)
    assert found["statuses"] == {"a1": 503, "b2": 500, "c3": 503}
    assert found["codes"] == {"a1": ["ST101"], "b2": ["ST101", "ST103"], "c3": ["ST101", "ST202"]}


def test_a_documented_5xx_alone_is_no_failure_and_an_undocumented_one_gates() -> None:
    failure: dict[str, Any] = {"operation": "GET /r", "kind": "failure", "message": BLOCKS}
    failure |= {"case_ids": ["a1", "b2", "c3"], **case_answers(BLOCKS)}
    mark([failure], DOCUMENT)
    assert failure["server_errors"] == {
        "a1": "documented 503",
        "b2": UNDOCUMENTED,
        "c3": "documented 503",
    }
    assert failure["documented"] == ["a1"]  # c3 failed another check too
    confirmed = ["GET /r (b2)", "GET /r (c3)"]
    assert classify([failure], {}) == (confirmed, [])
    check = contract_check([failure], confirmed, 3, "e")
    assert check.status is Status.FAIL
    assert check.figure == 1
    assert "GET /r: undocumented server error (500, 1 test case(s))" in check.message
    assert "GET /r: documented 503 (2 test case(s);" in check.message
    # an undocumented 500 that did not come back on replay is the flaky check's
    assert contract_check([failure], ["GET /r (c3)"], 3, "e").status is Status.PASS
    assert contract_check([failure], confirmed, None, "e").status is Status.INCONCLUSIVE
