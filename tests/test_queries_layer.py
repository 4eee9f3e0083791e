"""The queries layer on a real service (tests/targets/shelf on an embedded PostgreSQL that
counts statements): it passes on the service as it is, a list that reads each of its items
again (an N+1) fails the scaling check naming the read and the statement that grew, and a
read above the ceiling fails it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from tests.shelf import failed, project_in

pytestmark = pytest.mark.stack

LIST = "GET /api/items"
GROWTH = f"{LIST}: queries flat from 10 to 50 objects"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_in(tmp_path_factory, "shelf-queries")


def run(project: Path, bugs: str = "", name: str = "", **settings: Any) -> LayerRecord:
    cfg = config.load(project, overrides={"queries": settings} if settings else None)
    env = {"SHELF_BUGS": bugs} if bugs else {}
    run_dir = project / "reports" / (name or bugs or "none")
    return run_layer(LayerContext(run_dir, cfg, "pr", name="queries", service_env=env))


def rows(record: LayerRecord, read: str) -> dict[int, dict[str, Any]]:
    """A read's figures by data volume."""
    return {r["volume"]: r for r in record.figures["reads"] if r["read"] == read}


def test_queries_pass_when_no_read_grows_with_the_data(project: Path) -> None:
    record = run(project)
    assert record.status is Status.PASS, record.reasons
    checks = {c.name: c for c in record.checks}
    assert checks[GROWTH].status is Status.PASS
    assert checks[GROWTH].figure == 2  # the account lookup and the list, at 50 items too
    assert checks[f"{LIST}: queries per request"].figure == 2
    assert checks["GET /api/items/{item_id}: queries per request"].figure == 2
    listed = rows(record, LIST)
    assert (listed[10]["items"], listed[50]["items"]) == (10, 50)
    assert listed[10]["ms"] > 0
    # every top-level POST documenting a 201 made objects up to the larger volume
    assert record.figures["made"] == {"POST /api/items": 50, "POST /api/prices": 50}
    assert (project / "reports" / "none" / "queries" / "reads.json").is_file()


def test_a_list_that_reads_each_item_again_fails_naming_the_read_and_the_statement(
    project: Path,
) -> None:
    # a ceiling far above it: the scaling check alone must see the N+1
    record = run(project, "nplus1", max_per_request=1000)
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [GROWTH], record.reasons
    (reason,) = record.reasons
    assert f"{LIST} ran 12 queries per request listing 10 items and 52 listing 50" in reason
    statement = "SELECT id, title FROM items WHERE id = $1"
    assert f"the statements that grew ran 10 then 50 times per request: {statement} (" in reason
    assert "queries/reads.json" in reason


def test_a_read_above_the_ceiling_fails_naming_it(project: Path) -> None:
    record = run(project, name="ceiling", max_per_request=1)
    assert record.status is Status.FAIL, record.reasons
    assert set(failed(record)) == {
        f"{LIST}: queries per request",
        "GET /api/items/{item_id}: queries per request",
        "GET /api/prices/{price_id}: queries per request",
    }
    assert any("more than [queries] max_per_request = 1" in r for r in record.reasons)


def test_queries_are_inconclusive_on_a_deployment(project: Path) -> None:
    ctx = LayerContext(project / "reports" / "url", config.load(project), "pr", name="queries")
    record = run_layer(replace(ctx, stack="url", base_url="http://127.0.0.1:9"))
    assert record.status is Status.INCONCLUSIVE
    assert "counts statements on the embedded PostgreSQL" in record.reasons[0]
    assert "--stack local" in record.reasons[0]
