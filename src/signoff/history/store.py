"""Runs into the store and out of it: a run saved once per id (a second report of it replaces
the first, keeping the commit and branch it was first stored with), pruned to the newest
`keep`, listed, and read back in full or as a figure's series and tests' outcomes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from signoff.history.db import Database, Row
from signoff.history.facts import RunFacts
from signoff.history.schema import TABLES

RUN_COLUMNS = (
    "run_id, started_at, recorded_at, commit_sha, branch, profile, provider, machine, "
    "fingerprint, verdict"
)
LISTED = "run_id, started_at, commit_sha, branch, profile, provider, machine, verdict"
INSERTS = {
    "layers": "INSERT INTO layers VALUES (?, ?, ?, ?, ?)",
    "checks": "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?)",
    "tests": "INSERT INTO tests VALUES (?, ?, ?, ?)",
    "figures": "INSERT INTO figures VALUES (?, ?, ?, ?, ?)",
}


@dataclass(frozen=True)
class StoredRun:
    """A row of `runs` as `signoff history` lists it."""

    run_id: str
    started_at: str
    commit: str
    branch: str
    profile: str
    provider: str
    machine: str
    verdict: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _delete(db: Database, run_ids: list[str]) -> None:
    for table in TABLES:
        db.many(f"DELETE FROM {table} WHERE run_id = ?", [(r,) for r in run_ids])  # nosec B608


def save(db: Database, facts: RunFacts) -> RunFacts:
    """Store a run (replacing an earlier report of the same id); the facts as stored."""
    with db.transaction():
        found = db.query("SELECT commit_sha, branch FROM runs WHERE run_id = ?", (facts.run_id,))
        if found:  # a later report of the run keeps where it was first stored from
            facts = dataclasses.replace(facts, commit=found[0][0], branch=found[0][1])
            _delete(db, [facts.run_id])
        recorded = datetime.now(UTC).isoformat()
        db.execute(
            f"INSERT INTO runs ({RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # nosec B608
            (
                facts.run_id,
                facts.started_at,
                recorded,
                facts.commit,
                facts.branch,
                facts.profile,
                facts.provider,
                facts.machine,
                facts.fingerprint,
                facts.verdict,
            ),
        )
        for table, sql in INSERTS.items():
            db.many(sql, [(facts.run_id, *row) for row in getattr(facts, table)])
    return facts


def prune(db: Database, keep: int) -> int:
    """Delete all but the newest `keep` runs (0 keeps all); how many were deleted."""
    if keep <= 0:
        return 0
    rows = db.query("SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC")
    old = [str(r[0]) for r in rows[keep:]]
    if old:
        with db.transaction():
            _delete(db, old)
    return len(old)


def runs(
    db: Database,
    branch: str | None = None,
    profile: str | None = None,
    limit: int | None = None,
    commit: str | None = None,
) -> list[StoredRun]:
    """Stored runs, newest first, of a branch, profile or commit when given."""
    where, params = [], []
    for column, value in (("branch", branch), ("profile", profile), ("commit_sha", commit)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {LISTED} FROM runs"  # nosec B608 - the columns are this module's own
    sql += (" WHERE " + " AND ".join(where)) if where else ""
    sql += " ORDER BY started_at DESC, run_id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [StoredRun(*(str(v) for v in row)) for row in db.query(sql, params)]


def detail(db: Database, run_id: str) -> dict[str, Any] | None:
    """Everything stored of one run, as plain data; None when there is no such run."""
    found = db.query(f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))  # nosec B608
    if not found:
        return None
    names = [c.strip() for c in RUN_COLUMNS.split(",")]
    out: dict[str, Any] = dict(zip(names, found[0], strict=True))
    columns = {
        "layers": ("layer", "status", "required", "duration_s"),
        "checks": ("layer", "name", "status", "figure", "threshold", "unit"),
        "tests": ("layer", "test", "outcome"),
        "figures": ("layer", "name", "value", "unit"),
    }
    for table, cols in columns.items():
        rows = db.query(
            f"SELECT {', '.join(cols)} FROM {table} WHERE run_id = ? ORDER BY {cols[0]}, {cols[1]}",  # nosec B608
            (run_id,),
        )
        out[table] = [dict(zip(cols, row, strict=True)) for row in rows]
    return out


def _rows(db: Database, table: str, columns: str, run_ids: list[str]) -> list[Row]:
    """`run_id, <columns>` of `table`'s rows of the given runs."""
    if not run_ids:
        return []
    marks = ", ".join("?" for _ in run_ids)
    sql = f"SELECT run_id, {columns} FROM {table} WHERE run_id IN ({marks})"  # nosec B608
    return db.query(sql, run_ids)


def figure_rows(db: Database, run_ids: list[str]) -> list[Row]:
    """(run_id, layer, name, value, unit) of the given runs' key figures."""
    return _rows(db, "figures", "layer, name, value, unit", run_ids)


def duration_rows(db: Database, run_ids: list[str]) -> list[Row]:
    """(run_id, layer, duration_s) of the given runs' layers."""
    return _rows(db, "layers", "layer, duration_s", run_ids)


def outcome_rows(db: Database, run_ids: list[str]) -> list[Row]:
    """(run_id, layer, test, outcome) of the given runs' test cases."""
    return _rows(db, "tests", "layer, test, outcome", run_ids)


def set_verdict(db: Database, facts: RunFacts, verdict: str) -> RunFacts:
    """The stored run's verdict once run-level gates of the store's own have been added."""
    with db.transaction():
        db.execute("UPDATE runs SET verdict = ? WHERE run_id = ?", (verdict, facts.run_id))
    return dataclasses.replace(facts, verdict=verdict)
