"""The authz and faults layers on a real service (tests/targets/shelf on an embedded
PostgreSQL): each passes on the service as it is, and each bug put in on purpose fails the
check that guards it, naming the route."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.records import Status
from tests.shelf import failed, project_in, run_on_shelf

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_in(tmp_path_factory, "shelf-project")


def test_authz_passes_when_every_route_keeps_to_its_owner(project: Path) -> None:
    record = run_on_shelf(project, "authz")
    assert record.status is Status.PASS, record.reasons
    assert "GET /api/items/{item_id}" in record.figures["judged"]
    assert "DELETE /api/items/{item_id}" in record.figures["judged"]
    assert record.figures["created"] >= 1


def test_a_deletion_answered_2xx_that_deleted_nothing_of_the_owners_passes(
    project: Path,
) -> None:
    record = run_on_shelf(project, "authz", "quietdelete")
    assert record.status is Status.PASS, record.reasons
    (check,) = [c for c in record.checks if c.name.startswith("DELETE /api/items/{item_id}")]
    assert check.figure == 204  # answered 2xx, and the owner still reads the item afterwards


@pytest.mark.parametrize(
    ("bug", "check"),
    [
        ("bola", "GET /api/items/{item_id}: refuses identity 'other'"),
        ("list", "GET /api/items: shows 'other' nothing of 'owner'"),
    ],
)
def test_authz_fails_naming_the_route_that_serves_another_identity(
    project: Path, bug: str, check: str
) -> None:
    record = run_on_shelf(project, "authz", bug)
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [check], record.reasons
    (reason,) = record.reasons
    assert "'other'" in reason
    assert "'owner'" in reason
    assert "authz/exchanges.json" in reason
    assert (project / "reports" / f"authz-{bug}" / "authz" / "exchanges.json").is_file()


def test_faults_pass_when_every_answer_is_documented_and_the_stack_recovers(
    project: Path,
) -> None:
    record = run_on_shelf(project, "faults")
    assert record.status is Status.PASS, record.reasons
    names = [c.name for c in record.checks]
    assert "GET /api/items: documented answer with postgres stopped" in names
    assert "ready again after postgres restarted" in names


def test_a_500_where_the_document_declares_503_fails_naming_the_operation(
    project: Path,
) -> None:
    record = run_on_shelf(project, "faults", "db500")
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == ["GET /api/items: documented answer with postgres stopped"]
    (reason,) = record.reasons
    assert "answered 500 with postgres stopped" in reason
    assert "503" in reason
