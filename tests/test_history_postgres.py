"""The same run store on a real PostgreSQL server started by the test (`[history] url`): ten
runs stored and listed, the last report's trends, and the flaky rule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from signoff.history.db import connect
from signoff.history.schema import MIGRATIONS
from signoff.stack import postgres
from tests import throwaway_pg
from tests.history_runs import TESTS, Figures, project, report, ten_runs
from tests.test_report_results import signoff


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL server with an empty `history` database."""
    with throwaway_pg.server("signoff-history-pg-") as admin:
        postgres.create_database(admin, "history")
        yield admin.rsplit("/", 1)[0] + "/history"


@pytest.fixture
def pg_project(tmp_path: Path, pg_url: str) -> Iterator[Path]:
    """A project whose store is the server's `history` database, emptied afterwards."""
    project(tmp_path, f'url = "{pg_url}"')
    yield tmp_path
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def test_ten_runs_in_postgresql_are_listed_and_trended(
    pg_project: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(pg_project, f'url = "{pg_url}"')
    ids = []
    for i, figures in enumerate(ten_runs()):
        results, paths = report(cfg, monkeypatch, figures, f"{i:02d}" * 20)
        ids.append(results.run.run_id)
    assert not (pg_project / ".signoff").exists()  # nothing went to the SQLite file
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (10,)
        versions = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert versions == [(number,) for number, _ in MIGRATIONS]
    listed = json.loads(signoff(pg_project, "history", "--json", "--limit", "20").stdout)
    assert [r["run_id"] for r in listed] == ids[::-1]
    assert [r["verdict"] for r in listed][:4] == ["PASS", "FAIL", "FAIL", "FAIL"]
    md = paths["md"].read_text(encoding="utf-8")
    assert (
        "- audit score: 92 → 92 → 92 → 92 → 92 → 85 → 92 → 92 → 92 → 93 over 10 runs of main" in md
    )
    html = paths["html"].read_text(encoding="utf-8").split('<h2 id="trends">', 1)[1]
    for title in ("line coverage", "audit score", "p95 GET /jobs (smoke/steady)"):
        assert f">{title}</text>" in html, title


def test_the_flaky_rule_in_postgresql(
    pg_project: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(pg_project, f'url = "{pg_url}"\nflaky = "gate"')
    both = {**dict.fromkeys(TESTS, "passed"), "test_delete": "failed"}
    report(cfg, monkeypatch, Figures(outcomes={**both, "test_list": "failed"}), "a" * 40)
    results, _ = report(cfg, monkeypatch, Figures(outcomes=both), "a" * 40)
    assert results.history is not None
    assert [f.test for f in results.history.flaky] == ["suites.unit.test_jobs.test_list"]
    db = connect(cfg.history, cfg.root)
    try:
        rows = db.query("SELECT verdict FROM runs ORDER BY started_at")
    finally:
        db.close()
    assert rows == [("FAIL",), ("FAIL",)]  # the second failed on its flaky test, stored so
