"""The roundtrip layer on a real service (tests/targets/shelf on an embedded PostgreSQL): it
passes on the service as it is, and each bug put in on purpose — an amount narrowed to 2
places, a note cut below its maxLength, a documented label refused — fails naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.records import LayerRecord, Status
from tests.shelf import project_in, run_on_shelf

pytestmark = pytest.mark.stack

PRICES = "POST /api/prices field"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_in(tmp_path_factory, "shelf-roundtrip")


def run(project: Path, bugs: str = "") -> LayerRecord:
    return run_on_shelf(project, "roundtrip", bugs)


def failed(record: LayerRecord) -> list[str]:
    return [c.name for c in record.checks if c.status is Status.FAIL]


def test_roundtrip_passes_when_every_documented_value_comes_back(project: Path) -> None:
    record = run(project)
    assert record.status is Status.PASS, record.reasons
    names = [c.name for c in record.checks]
    for name in ("label", "amount", "quantity", "due", "at", "note"):
        assert f"{PRICES} '{name}': read back as written" in names, names
    # every edge of the amount went through: 3 places, the smallest step, 12 whole digits
    assert record.figures["fields"]["POST /api/prices amount"] >= 6
    assert record.figures["fields"]["POST /api/items title"] >= 5


@pytest.mark.parametrize(
    ("bug", "field", "written", "read"),
    [
        ("narrow", "amount", '"1.123"', '"1.12"'),
        ("truncate", "note", f'"{"x" * 200}"', f'"{"x" * 100}"'),
    ],
)
def test_a_value_that_comes_back_different_fails_naming_the_field(
    project: Path, bug: str, field: str, written: str, read: str
) -> None:
    record = run(project, bug)
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [f"{PRICES} '{field}': read back as written"], record.reasons
    (reason,) = record.reasons
    assert f"POST /api/prices field '{field}' came back different" in reason
    assert f"wrote {written}" in reason
    assert f"read {read}" in reason
    assert "GET /api/prices/" in reason  # the object read again, not only the write's answer


def test_a_documented_value_the_service_refuses_fails_as_a_refusal(project: Path) -> None:
    record = run(project, "asciionly")
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [f"{PRICES} 'label': documented values accepted"], record.reasons
    (reason,) = record.reasons
    assert "documented value refused" in reason
    assert '"Zoë Ångström' in reason
    assert "answered 422" in reason
