"""The unit layer's coverage data and the coverage gate, on the real service unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def unit_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LayerRecord]:
    run = tmp_path_factory.mktemp("run")
    ctx = LayerContext(run_dir=run, config=config.load(ROOT), profile="pr", name="unit")
    return run, run_layer(ctx)


def gate(run: Path, **thresholds: float) -> LayerRecord:
    cfg = config.load(ROOT, overrides={"coverage": thresholds} if thresholds else None)
    return run_layer(LayerContext(run_dir=run, config=cfg, profile="pr", name="coverage"))


def test_unit_layer_passes_and_leaves_coverage_data(unit_run: tuple[Path, LayerRecord]) -> None:
    run, record = unit_run
    assert record.status is Status.PASS, record.reasons
    assert record.evaluated["tests"] == record.declared["tests"] > 10
    assert (run / "coverage" / ".coverage.unit").is_file()


def test_gate_passes_at_low_thresholds(unit_run: tuple[Path, LayerRecord]) -> None:
    record = gate(unit_run[0], line=1.0, branch=1.0)
    assert record.status is Status.PASS, record.reasons
    assert 1.0 < record.figures["line_percent"] <= 100.0
    assert record.figures["by_package"]


def test_gate_below_threshold_fails_saying_by_how_much(unit_run: tuple[Path, LayerRecord]) -> None:
    record = gate(unit_run[0], line=99.99, branch=1.0)
    assert record.status is Status.FAIL
    line = next(c for c in record.checks if c.name == "line coverage")
    assert line.status is Status.FAIL
    assert "points below 99.99%" in line.message
    worst = record.figures["least_covered"][0]["file"]
    assert worst in line.message
    assert (unit_run[0] / record.artifacts["coverage_json"]).is_file()


def test_gate_without_data_is_inconclusive(tmp_path: Path) -> None:
    record = gate(tmp_path)
    assert record.status is Status.INCONCLUSIVE
    assert "No coverage data" in record.reasons[0]


def test_gate_with_unreadable_data_is_inconclusive(tmp_path: Path) -> None:
    import coverage as coverage_lib

    folder = tmp_path / "coverage"
    folder.mkdir()
    data = coverage_lib.CoverageData(basename=str(folder / ".coverage.service.x"))
    data.add_lines({str(tmp_path / "gone" / "module.py"): [1, 2, 3]})
    data.write()
    record = gate(tmp_path)
    assert record.status is Status.INCONCLUSIVE
    assert "could not be combined" in record.reasons[0]
