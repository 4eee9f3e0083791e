"""The e2e layer on real runs: flaky journeys are FLAKY, broken pages fail with evidence kept."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer as run_one
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT

FLAKY_SUITE = """
from pathlib import Path

MARK = Path(__file__).with_name("attempted")


def test_steady():
    assert True


def test_wobbly():
    first = not MARK.exists()
    MARK.touch()
    assert not first, "fails on the first attempt only"
"""


def run_layer(tmp_path: Path, settings: dict[str, Any], args: list[str]) -> LayerRecord:
    paths = settings.pop("paths", ["e2e"])
    layer = {"kind": "playwright", "paths": paths}
    cfg = config.load(ROOT, overrides={"e2e": settings, "layers": {"e2e": layer}})
    ctx = LayerContext(run_dir=tmp_path / "run", config=cfg, profile="pr", args=args, name="e2e")
    return run_one(ctx)


@pytest.mark.parametrize(("fail_on_flaky", "status"), [(False, Status.PASS), (True, Status.FAIL)])
def test_a_journey_passing_only_on_retry_is_flaky(
    tmp_path: Path, fail_on_flaky: bool, status: Status
) -> None:
    suite = tmp_path / "journeys"
    suite.mkdir()
    (suite / "test_flaky.py").write_text(FLAKY_SUITE, encoding="utf-8")
    settings = {"paths": [str(suite)], "retries": 1, "fail_on_flaky": fail_on_flaky}
    record = run_layer(tmp_path, settings, [])
    journeys = {node.rsplit("::", 1)[1]: v for node, v in record.figures["journeys"].items()}
    assert journeys == {"test_steady": "PASS", "test_wobbly": "FLAKY"}
    assert record.figures["FLAKY"] == 1
    flaky = next(c for c in record.checks if c.name == "flaky journeys")
    assert flaky.figure == 1
    assert record.status is status, record.reasons
    assert (tmp_path / "run" / record.artifacts["journeys"]).is_file()
    assert {"others_share", "steal_share", "busy"} <= set(record.figures["machine"])


def test_without_retries_the_same_journey_fails(tmp_path: Path) -> None:
    suite = tmp_path / "journeys"
    suite.mkdir()
    (suite / "test_flaky.py").write_text(FLAKY_SUITE, encoding="utf-8")
    record = run_layer(tmp_path, {"paths": [str(suite)], "retries": 0}, [])
    assert record.status is Status.FAIL
    assert [v for k, v in record.figures["journeys"].items() if "wobbly" in k] == ["FAIL"]


def test_broken_pages_fail_their_journeys_and_leave_a_trace(tmp_path: Path) -> None:
    """A button without a label breaks journey 1; a report figure off by one breaks journey 5."""
    faults = "LEDGER_FAULTS=ui_missing_label,ui_report_off_by_one"
    args = [f"--signoff-service-env={faults}", "-k", "first_reconciliation or degraded_mode"]
    record = run_layer(tmp_path, {"retries": 0}, args)
    assert record.status is Status.FAIL
    verdicts = {
        node.split("::")[-1].split("[")[0]: v for node, v in record.figures["journeys"].items()
    }
    assert verdicts == {"test_first_reconciliation": "FAIL", "test_degraded_mode": "FAIL"}

    run_dir = tmp_path / "run"
    failures = {
        case.get("name", "").split("[")[0]: (case.findtext("failure") or "")
        for case in ElementTree.parse(run_dir / record.artifacts["junit"]).iter("testcase")
    }
    # the label the page lost, and the figure it got wrong
    assert 'get_by_role("button", name="Start run")' in failures["test_first_reconciliation"]
    assert "expected to have text '31'" in failures["test_degraded_mode"]
    assert "Actual value: 32" in failures["test_degraded_mode"]

    for journey, shown in (
        ("test_first_reconciliation", "Start run"),
        ("test_degraded_mode", "Matched"),
    ):
        keys = [k for k in record.artifacts if k.startswith(f"failure:{journey}")]
        trace = next(run_dir / record.artifacts[k] for k in keys if k.endswith(".zip"))
        shot = next(run_dir / record.artifacts[k] for k in keys if k.endswith(".png"))
        console = next(run_dir / record.artifacts[k] for k in keys if k.endswith(".log"))
        assert shot.read_bytes().startswith(b"\x89PNG"), shot
        assert "url at failure" in console.read_text(encoding="utf-8")
        with zipfile.ZipFile(trace) as archive:
            names = archive.namelist()
            assert "trace.trace" in names, names
            events = archive.read("trace.trace").decode("utf-8", "replace")
        assert shown in events, f"{trace} does not show {shown!r}"
