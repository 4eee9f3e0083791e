"""In a run whose profile gates coverage, every stack the harness starts measures the
service's coverage into the run, except those of layers that time things; elsewhere only the
layers that ask for it do. On a real embedded stack (a web process under coverage)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from tests.test_layer_run import register
from tests.test_shared_stack import PROJECT, seen_by

PROFILES = """
[profiles.gated]
layers = ["reader", "timer", "coverage"]
[profiles.plain]
layers = ["reader"]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "signoff.toml").write_text(PROJECT + PROFILES, encoding="utf-8")
    found: dict[str, str] = {}
    register(monkeypatch, "reader", seen_by(found), stack="own")
    register(monkeypatch, "timer", seen_by(found), stack="own", exclusive_cpu=True)
    return tmp_path


def data_files(run: Path) -> list[str]:
    folder = run / "coverage"
    return sorted(p.name for p in folder.glob(".coverage*")) if folder.is_dir() else []


def test_a_run_that_gates_coverage_measures_every_stack_but_a_timing_layers(
    project: Path,
) -> None:
    cfg = config.load(project)
    run = project / "reports" / "gated"
    run_layer(LayerContext(run, cfg, "gated", name="reader"))
    measured = data_files(run)
    assert measured
    assert any(name.startswith(".coverage.web") for name in measured), measured
    run_layer(LayerContext(run, cfg, "gated", name="timer"))
    assert data_files(run) == measured  # the timing layer's service ran untraced


def test_a_run_without_the_coverage_layer_measures_nothing(project: Path) -> None:
    run = project / "reports" / "plain"
    run_layer(LayerContext(run, config.load(project), "plain", name="reader"))
    assert data_files(run) == []
