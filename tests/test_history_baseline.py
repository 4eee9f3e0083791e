"""`signoff report --baseline history`: main's stored runs of the profile on this machine
class are the baseline, judged like any other (coverage lost, new failures, latency series),
and a store without such a run is a clear error before anything is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from signoff import rundir
from signoff.errors import EvidenceError
from signoff.records import write_record
from signoff.report.model import write_plan
from signoff.report.write import write_all
from tests.history_runs import LAYERS, Figures, project, records, report


def candidate(cfg_root: Path, monkeypatch: pytest.MonkeyPatch, figures: Figures) -> Path:
    """A run of the branch `feature`, recorded but not yet reported."""
    monkeypatch.setenv("SIGNOFF_COMMIT", "c" * 40)
    monkeypatch.setenv("SIGNOFF_BRANCH", "feature")
    run = rundir.create(cfg_root / "reports")
    write_plan(run, "pr", LAYERS, LAYERS)
    for record in records(run, figures):
        write_record(run / record.layer, record)
    return run


def test_mains_stored_runs_on_this_machine_are_the_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path, "baseline_runs = 3")
    mains = [report(cfg, monkeypatch, Figures(), f"{i}" * 40)[0].run.run_id for i in range(5)]
    report(cfg, monkeypatch, Figures(coverage=50.0), "d" * 40, "other-branch")
    # the newest run of main measured another machine class: never a baseline here
    with sqlite3.connect(tmp_path / ".signoff" / "history.sqlite") as db:
        db.execute("UPDATE runs SET machine = 'elsewhere' WHERE run_id = ?", (mains[-1],))
    run = candidate(tmp_path, monkeypatch, Figures(coverage=88.0))
    results, paths = write_all(run, cfg, baseline="history")
    comparison = results.comparison
    assert comparison is not None
    assert comparison.baseline_runs == mains[1:4]
    assert comparison.candidate_runs == [run.name]
    lost = [j.check for j in comparison.judgements if "coverage" in j.check.name]
    assert lost
    assert lost[0].status.value == "FAIL", lost[0]
    assert "baseline" in paths["md"].read_text(encoding="utf-8")


def test_a_store_without_a_run_of_main_is_an_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    report(cfg, monkeypatch, Figures(), "a" * 40, "feature")  # no run of main
    run = candidate(tmp_path, monkeypatch, Figures())
    with pytest.raises(EvidenceError) as caught:
        write_all(run, cfg, baseline="history")
    assert "has no run of 'main' with profile 'pr'" in caught.value.message
    assert not (run / "report.md").exists()
