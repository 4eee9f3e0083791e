"""The run store in SQLite: ten reported runs stored once each, listed and shown by
`signoff history`, pruned, migrated, and a store that fails costing one warning line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from signoff.errors import ConfigError
from signoff.history import store
from signoff.history.db import connect
from signoff.history.schema import MIGRATIONS, migrate
from signoff.report.write import write_all
from tests.history_runs import Figures, project, report, ten_runs
from tests.test_report_results import signoff

STORE = Path(".signoff") / "history.sqlite"


def _store_ten(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    cfg = project(tmp)
    ids = []
    for i, figures in enumerate(ten_runs()):
        results, _ = report(cfg, monkeypatch, figures, f"c{i:02d}" + "0" * 38)
        ids.append(results.run.run_id)
    return ids


def test_ten_runs_are_stored_with_their_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _store_ten(tmp_path, monkeypatch)
    with sqlite3.connect(tmp_path / STORE) as conn:
        rows = conn.execute("SELECT run_id, verdict, branch, commit_sha FROM runs").fetchall()
        by_run = {r[0]: r for r in rows}
        assert set(by_run) == set(ids)
        assert [by_run[i][1] for i in ids] == [
            "PASS", "PASS", "FAIL", "PASS", "PASS", "PASS", "FAIL", "FAIL", "FAIL", "PASS"
        ]  # fmt: skip
        assert {r[2] for r in rows} == {"main"}
        assert by_run[ids[3]][3].startswith("c03")
        figures = dict(
            conn.execute("SELECT name, value FROM figures WHERE run_id = ?", (ids[6],)).fetchall()
        )
        tests = conn.execute("SELECT test, outcome FROM tests WHERE run_id = ?", (ids[2],))
        durations = conn.execute("SELECT layer, duration_s FROM layers WHERE run_id = ?", (ids[3],))
        checks = conn.execute("SELECT COUNT(*) FROM checks WHERE run_id = ?", (ids[0],)).fetchone()
        layers = dict(durations.fetchall())
        outcomes = dict(tests.fetchall())
    assert figures["p95 POST /jobs (smoke/steady)"] == 130.0
    assert figures["p50 GET /jobs (smoke/steady)"] == pytest.approx(52.0 / 3)
    assert figures["line coverage"] == 94.0
    assert figures["audit score"] == 92.0
    assert figures["fuzz findings"] == 0
    assert outcomes["suites.unit.test_jobs.test_list"] == "failed"
    assert outcomes["suites.unit.test_jobs.test_create"] == "passed"
    assert layers["coverage"] == 6.0
    assert layers["load"] == 36.0
    assert checks == (6,)


def test_signoff_history_lists_filters_and_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _store_ten(tmp_path, monkeypatch)
    listed = signoff(tmp_path, "history")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "run",
        "started",
        "branch",
        "commit",
        "profile",
        "provider",
        "verdict",
    ]
    assert [line.split()[0] for line in lines[1:]] == ids[::-1]  # newest first
    assert lines[1].split()[-1] == "PASS"
    assert lines[2].split()[-1] == "FAIL"
    assert "c09000" in lines[1]

    as_json = json.loads(signoff(tmp_path, "history", "--json", "--limit", "3").stdout)
    assert [r["run_id"] for r in as_json] == ids[:-4:-1]
    assert as_json[0]["branch"] == "main"
    assert as_json[0]["profile"] == "pr"
    assert json.loads(signoff(tmp_path, "history", "--json", "--branch", "other").stdout) == []
    assert (
        json.loads(signoff(tmp_path, "history", "--json", "--profile", "pr").stdout)[9]["run_id"]
        == ids[0]
    )

    shown = signoff(tmp_path, "history", "show", ids[6])
    assert shown.returncode == 0, shown.stderr
    assert f"Run {ids[6]}: FAIL" in shown.stdout
    assert "p95 POST /jobs (smoke/steady)" in shown.stdout
    assert "130 ms" in shown.stdout
    detail = json.loads(signoff(tmp_path, "history", "show", ids[2], "--json").stdout)
    assert {"test": "suites.unit.test_jobs.test_list", "layer": "unit", "outcome": "failed"} in (
        detail["tests"]
    )
    missing = signoff(tmp_path, "history", "show", "nope")
    assert missing.returncode == 2
    assert "holds no run 'nope'" in missing.stderr


def test_a_run_reported_again_is_stored_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    results, _ = report(cfg, monkeypatch, Figures(), "a" * 40)
    monkeypatch.setenv("SIGNOFF_COMMIT", "b" * 40)  # a later checkout: the run keeps its commit
    write_all(results.run.run_dir, cfg)
    with sqlite3.connect(tmp_path / STORE) as conn:
        assert conn.execute("SELECT run_id, commit_sha FROM runs").fetchall() == [
            (results.run.run_id, "a" * 40)
        ]
        assert conn.execute("SELECT COUNT(*) FROM tests").fetchone() == (3,)
        assert conn.execute("SELECT COUNT(*) FROM layers").fetchone() == (5,)


def test_keep_prunes_the_oldest_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = project(tmp_path, "keep = 3")
    ids = [report(cfg, monkeypatch, Figures(), f"{i}" * 40)[0].run.run_id for i in range(5)]
    db = connect(cfg.history, cfg.root)
    try:
        assert [r.run_id for r in store.runs(db)] == ids[:1:-1]
        assert db.query("SELECT COUNT(DISTINCT run_id) FROM tests") == [(3,)]
    finally:
        db.close()


def test_the_schema_is_migrated_once_and_numbered(tmp_path: Path) -> None:
    cfg = project(tmp_path)
    db = connect(cfg.history, cfg.root)
    try:
        numbers = [(number,) for number, _ in MIGRATIONS]
        assert db.query("SELECT version FROM schema_version ORDER BY version") == numbers
        assert migrate(db) == MIGRATIONS[-1][0]
        assert db.query("SELECT COUNT(*) FROM schema_version") == [(len(MIGRATIONS),)]
    finally:
        db.close()


def test_a_store_of_an_older_schema_is_migrated_and_keeps_its_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    first, _ = report(cfg, monkeypatch, Figures(), "a" * 40)
    path = tmp_path / ".signoff" / "history.sqlite"
    with sqlite3.connect(path) as old:  # the store as schema 1 left it
        old.execute("DROP TABLE documents")
        old.execute("DELETE FROM schema_version WHERE version > 1")
    db = connect(cfg.history, cfg.root)
    try:
        assert db.query("SELECT MAX(version) FROM schema_version") == [(MIGRATIONS[-1][0],)]
        assert [r.run_id for r in store.runs(db)] == [first.run.run_id]
        assert db.query("SELECT COUNT(*) FROM documents") == [(0,)]
    finally:
        db.close()


def test_a_store_that_fails_is_one_warning_and_never_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path, 'path = "blocked/history.sqlite"')
    (tmp_path / "blocked").write_text("a file where the store's folder should be")
    results, paths = report(cfg, monkeypatch, Figures(), "a" * 40)
    assert results.verdict.value == "PASS"
    assert results.history is None
    assert paths["html"].is_file()
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("signoff: warning: the run was not stored in the run history")


def test_a_disabled_store_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = project(tmp_path, "enabled = false")
    results, _ = report(cfg, monkeypatch, Figures(), "a" * 40)
    assert results.history is None
    assert not (tmp_path / STORE).exists()


def test_a_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'history.url' is 'mysql://x', which is no PostgreSQL"):
        project(tmp_path, 'url = "mysql://x"')


def test_history_of_a_project_without_a_store_lists_nothing_and_makes_none(tmp_path: Path) -> None:
    project(tmp_path)
    listed = signoff(tmp_path, "history")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("No stored runs in ")
    assert not (tmp_path / ".signoff").exists()
    refused = signoff(tmp_path, "history", "--limit", "0")
    assert refused.returncode == 2
    assert "--limit must be at least 1" in refused.stderr
