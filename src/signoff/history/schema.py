"""The store's one schema, as numbered migrations applied in order and noted in
`schema_version`; SQL that SQLite and PostgreSQL read alike. A migration is never edited once
released: a change is a new number.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Database(Protocol):
    """What migrating needs of a store (`db.Database`)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def transaction(self) -> AbstractContextManager[None]: ...


MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE runs (
                run_id TEXT PRIMARY KEY,
                started_at TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                commit_sha TEXT NOT NULL,
                branch TEXT NOT NULL,
                profile TEXT NOT NULL,
                provider TEXT NOT NULL,
                machine TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                verdict TEXT NOT NULL)""",
            "CREATE INDEX runs_by_branch ON runs (branch, started_at)",
            "CREATE INDEX runs_by_commit ON runs (commit_sha)",
            """CREATE TABLE layers (
                run_id TEXT NOT NULL,
                layer TEXT NOT NULL,
                status TEXT NOT NULL,
                required INTEGER NOT NULL,
                duration_s DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (run_id, layer))""",
            """CREATE TABLE checks (
                run_id TEXT NOT NULL,
                layer TEXT NOT NULL,
                name TEXT NOT NULL,
                status TEXT NOT NULL,
                figure TEXT,
                threshold TEXT,
                unit TEXT NOT NULL)""",
            "CREATE INDEX checks_by_run ON checks (run_id)",
            """CREATE TABLE tests (
                run_id TEXT NOT NULL,
                layer TEXT NOT NULL,
                test TEXT NOT NULL,
                outcome TEXT NOT NULL,
                PRIMARY KEY (run_id, layer, test))""",
            "CREATE INDEX tests_by_name ON tests (layer, test)",
            """CREATE TABLE figures (
                run_id TEXT NOT NULL,
                layer TEXT NOT NULL,
                name TEXT NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                unit TEXT NOT NULL,
                PRIMARY KEY (run_id, layer, name))""",
        ),
    ),
    (
        2,
        (
            """CREATE TABLE documents (
                run_id TEXT PRIMARY KEY,
                document TEXT NOT NULL)""",
        ),
    ),
)
TABLES = (
    "documents",
    "figures",
    "tests",
    "checks",
    "layers",
    "runs",
)  # children before the run they name


def version(db: Database) -> int:
    """The store's schema version; 0 for a store that has none yet."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    rows = db.query("SELECT MAX(version) FROM schema_version")
    return int(rows[0][0] or 0) if rows else 0


def migrate(db: Database) -> int:
    """Apply every migration the store lacks, each in its own transaction; the new version."""
    with db.transaction():
        current = version(db)
    for number, statements in MIGRATIONS:
        if number <= current:
            continue
        with db.transaction():
            for statement in statements:
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        current = number
    return current
