"""Connections, the schema (plain SQL, idempotent) and the first superuser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row

from .config import Settings
from .security import get_password_hash

Row = dict[str, Any]
Connection = psycopg.Connection[Row]

# One advisory lock: two migrations started at once (the service and a test run) queue.
_MIGRATION_LOCK = 730_023
SCHEMA = (
    "SELECT pg_advisory_xact_lock(%s)",
    """CREATE TABLE IF NOT EXISTS users (
        id bigserial PRIMARY KEY,
        email text NOT NULL UNIQUE,
        hashed_password text NOT NULL,
        full_name text,
        is_active boolean NOT NULL DEFAULT true,
        is_superuser boolean NOT NULL DEFAULT false
    )""",
    """CREATE TABLE IF NOT EXISTS items (
        id bigserial PRIMARY KEY,
        title text NOT NULL,
        description text,
        owner_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX IF NOT EXISTS items_owner_id ON items (owner_id)",
)


@contextmanager
def connect(settings: Settings) -> Iterator[Connection]:
    """A connection whose transaction commits when the block ends without an error."""
    with psycopg.connect(settings.conninfo, row_factory=dict_row, connect_timeout=5) as conn:
        yield conn


def migrate(conn: Connection) -> None:
    for statement in SCHEMA:
        conn.execute(statement, (_MIGRATION_LOCK,) if "%s" in statement else None)


def init_db(conn: Connection, settings: Settings) -> bool:
    """Create the first superuser unless it exists; whether it was created."""
    cursor = conn.execute(
        "INSERT INTO users (email, hashed_password, full_name, is_superuser)"
        " VALUES (%s, %s, %s, true) ON CONFLICT (email) DO NOTHING RETURNING id",
        (
            settings.first_superuser,
            get_password_hash(settings.first_superuser_password),
            "Superuser",
        ),
    )
    return cursor.fetchone() is not None


def schema_ready(conn: Connection) -> bool:
    """Whether the migrations ran: the readiness route answers 200 only then."""
    found = conn.execute("SELECT to_regclass('public.items') IS NOT NULL AS ready").fetchone()
    return bool(found and found["ready"])
