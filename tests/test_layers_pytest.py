"""Pytest-based layers: records from real pytest runs, including the fail-closed cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.records import Status
from tests.conftest import ROOT


def context(run: Path) -> LayerContext:
    return LayerContext(run_dir=run, config=config.load(ROOT), profile="pr")


def suite(tmp_path: Path, body: str) -> str:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_sample.py").write_text("import pytest\n\n" + body, encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("def test_a():\n    assert 1\n\ndef test_b():\n    assert 2\n", Status.PASS),
        ("def test_a():\n    assert 1\n\ndef test_b():\n    assert 0\n", Status.FAIL),
        ("def test_a():\n    pytest.skip('no')\n", Status.INCONCLUSIVE),
        (
            "def test_a():\n    assert 1\n\ndef test_b():\n    pytest.skip('no')\n",
            Status.INCONCLUSIVE,
        ),
        ("", Status.INCONCLUSIVE),
        ("def test_a(:\n", Status.FAIL),
    ],
    ids=["pass", "fail", "all-skipped", "some-skipped", "empty", "syntax-error"],
)
def test_record_status(tmp_path: Path, body: str, status: Status) -> None:
    run = tmp_path / "run"
    record = run_pytest_layer(context(run), "sample", [suite(tmp_path, body)], coverage="none")
    assert record.status is status, record.reasons
    assert (run / "sample" / "record.json").exists()


def test_counts_and_junit_are_recorded(tmp_path: Path) -> None:
    run = tmp_path / "run"
    body = "def test_a():\n    assert 1\n\ndef test_b():\n    pytest.skip('later')\n"
    record = run_pytest_layer(context(run), "sample", [suite(tmp_path, body)], coverage="none")
    assert record.declared == {"tests": 2}
    assert record.evaluated == {"tests": 1}
    assert record.figures["skipped"] == 1
    assert "Evaluated 1 of 2 declared tests." in record.reasons
    assert (run / record.artifacts["junit"]).is_file()


def test_each_failing_test_is_named_with_its_cause(tmp_path: Path) -> None:
    run = tmp_path / "run"
    body = (
        "def test_ok():\n    assert 1\n\n"
        "def test_metric():\n"
        "    assert 'jobs_total' in {'up'}, 'metric jobs_total is missing from /metrics'\n\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('tenant boundary crossed')\n\n"
        "def test_setup(broken):\n    pass\n"
    )
    record = run_pytest_layer(context(run), "sample", [suite(tmp_path, body)], coverage="none")
    assert record.status is Status.FAIL
    # a test's node id, relative to wherever pytest put its rootdir for the suite's folder
    named = {
        check.name.rsplit("/", 1)[-1]: check
        for check in record.checks
        if check.status is Status.FAIL
    }
    metric = named["test_sample.py::test_metric"]
    assert "metric jobs_total is missing from /metrics" in metric.message
    setup = named["test_sample.py::test_setup"]
    assert "tenant boundary crossed" in setup.message
    assert setup.message.endswith("(in setup)")
    for check in record.checks:
        assert (run / check.evidence).is_file()
