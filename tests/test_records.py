"""The results record and the fail-closed rule."""

from __future__ import annotations

import json
from pathlib import Path

from signoff.records import (
    Check,
    LayerRecord,
    Status,
    judge,
    read_record,
    threshold_check,
    write_record,
)

OK = Check("failed tests", Status.PASS, 0, 0, "==")


def test_pass_needs_checks_and_full_evaluation() -> None:
    assert judge([OK], {"tests": 3}, {"tests": 3}) == (Status.PASS, [])


def test_nothing_evaluated_is_inconclusive() -> None:
    status, reasons = judge([OK], {"tests": 3}, {"tests": 0})
    assert status is Status.INCONCLUSIVE
    assert "Nothing was evaluated." in reasons


def test_partial_evaluation_is_inconclusive() -> None:
    status, reasons = judge([OK], {"dependencies": 10}, {"dependencies": 9})
    assert status is Status.INCONCLUSIVE
    assert "Evaluated 9 of 10 declared dependencies." in reasons


def test_no_checks_is_inconclusive() -> None:
    assert judge([], {"tests": 1}, {"tests": 1})[0] is Status.INCONCLUSIVE


def test_a_failed_check_fails() -> None:
    bad = threshold_check("p95", 250.0, "<=", 200.0, "ms")
    status, reasons = judge([OK, bad], {"requests": 5}, {"requests": 5})
    assert status is Status.FAIL
    assert reasons == ["p95 is 250ms, needs <= 200ms."]


def test_unmeasured_figure_is_inconclusive() -> None:
    check = threshold_check("p95", None, "<=", 200.0)
    assert check.status is Status.INCONCLUSIVE


def test_round_trip(tmp_path: Path) -> None:
    record = LayerRecord("unit", Status.PASS, "ok", {"tests": 1}, {"tests": 1}, checks=[OK])
    write_record(tmp_path / "unit", record)
    assert read_record(tmp_path / "unit", "unit") == record


def test_missing_record_is_inconclusive(tmp_path: Path) -> None:
    record = read_record(tmp_path / "api", "api")
    assert record.status is Status.INCONCLUSIVE
    assert "missing" in record.reasons[0]


def test_malformed_record_is_inconclusive(tmp_path: Path) -> None:
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "record.json").write_text("{not json", encoding="utf-8")
    assert read_record(folder, "api").status is Status.INCONCLUSIVE


def test_record_of_another_layer_is_inconclusive(tmp_path: Path) -> None:
    write_record(
        tmp_path / "api", LayerRecord("smoke", Status.PASS, "", {"t": 1}, {"t": 1}, checks=[OK])
    )
    assert read_record(tmp_path / "api", "api").status is Status.INCONCLUSIVE


def test_record_with_unknown_schema_is_inconclusive(tmp_path: Path) -> None:
    folder = tmp_path / "api"
    folder.mkdir()
    data = LayerRecord("api", Status.INCONCLUSIVE).to_json() | {"schema": "other/9"}
    (folder / "record.json").write_text(json.dumps(data), encoding="utf-8")
    assert read_record(folder, "api").status is Status.INCONCLUSIVE


def test_a_checks_interval_round_trips_and_older_records_without_it_read(tmp_path: Path) -> None:
    judged = Check("p95", Status.PASS, 120.0, 400.0, "<=", "ms", low=101.5, high=None)
    record = LayerRecord("load", Status.PASS, "ok", {"phases": 1}, {"phases": 1}, checks=[judged])
    write_record(tmp_path / "load", record)
    assert read_record(tmp_path / "load", "load").checks == [judged]
    older = record.to_json()
    for check in older["checks"]:
        del check["low"], check["high"]
    (tmp_path / "load" / "record.json").write_text(json.dumps(older), encoding="utf-8")
    again = read_record(tmp_path / "load", "load")
    assert again.status is Status.PASS
    assert (again.checks[0].figure, again.checks[0].low, again.checks[0].high) == (
        120.0,
        None,
        None,
    )


def test_passing_is_pass_or_waived() -> None:
    assert [status for status in Status if status.passing] == [Status.PASS, Status.WAIVED]
