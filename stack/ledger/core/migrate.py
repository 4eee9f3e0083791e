"""Apply ledger/migrations/NNN_*.sql once each, under an advisory lock.

The service and the worker both migrate at start-up; the lock makes the second one wait and then
find nothing left to do.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

__all__ = ["MIGRATIONS_DIR", "apply_migrations", "pending_files"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_KEY = 0x1ED6E5  # arbitrary, constant across releases
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def pending_files(applied: set[str], directory: Path = MIGRATIONS_DIR) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(directory.iterdir()):
        match = _NAME.match(path.name)
        if match and match.group(1) not in applied:
            found.append((match.group(1), path))
    return found


def apply_migrations(url: str) -> list[str]:
    """Return the versions applied by this call (empty when the schema was current)."""
    done: list[str] = []
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
            for version, path in pending_files({r[0] for r in rows}):
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8").encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, path.name),
                    )
                done.append(version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return done
