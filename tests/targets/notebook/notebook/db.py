"""PostgreSQL access: a small blocking connection pool, the schema and every query."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypedDict

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id bigserial PRIMARY KEY,
    username varchar(64) NOT NULL UNIQUE,
    pw_hash bytea NOT NULL,
    salt bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token char(64) PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS notes (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title varchar(200) NOT NULL,
    body text NOT NULL DEFAULT '',
    tags text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS notes_account_id ON notes (account_id, id);
CREATE INDEX IF NOT EXISTS notes_tags ON notes USING gin (tags);
"""

# Serialises schema creation when several processes start against one database.
_SCHEMA_LOCK = 0x6E6F7465

_LIST_FILTER = (
    "WHERE (%(account)s::bigint IS NULL OR account_id = %(account)s::bigint) "
    "AND (%(tag)s::text IS NULL OR %(tag)s::text = ANY(tags))"
)

Connection = psycopg.Connection[DictRow]


class PoolExhaustedError(psycopg.OperationalError):
    """No connection became free in time."""


class NoteRow(TypedDict):
    id: int
    title: str
    body: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class AccountRow(TypedDict):
    id: int
    username: str
    pw_hash: bytes
    salt: bytes


class Database:
    """At most `size` connections, reused LIFO; a broken one is closed rather than returned."""

    def __init__(
        self, dsn: str, size: int = 10, connect_timeout: int = 5, wait_timeout: float = 10.0
    ) -> None:
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self._wait_timeout = wait_timeout
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def _connect(self) -> Connection:
        return psycopg.connect(
            self._dsn,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=self._connect_timeout,
            application_name="notebook",
        )

    def _take(self) -> Connection:
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return self._connect()
            if not conn.closed and not conn.broken:
                return conn
            conn.close()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        if not self._slots.acquire(timeout=self._wait_timeout):
            raise PoolExhaustedError("no database connection became free in time")
        conn: Connection | None = None
        try:
            conn = self._take()
            yield conn
        finally:
            if conn is not None:
                reusable = (
                    not conn.closed
                    and not conn.broken
                    and conn.info.transaction_status == TransactionStatus.IDLE
                )
                if reusable:
                    self._idle.put(conn)
                else:
                    conn.close()
            self._slots.release()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    # ------------------------------------------------------------------ setup

    def wait_until_up(self, timeout: float) -> None:
        """Retry until the server accepts a connection, for a database still starting."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connection() as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.25)

    def server_encoding(self) -> str:
        with self.connection() as conn:
            row = conn.execute("SHOW server_encoding").fetchone()
        return str(row["server_encoding"]) if row else ""

    def create_schema(self) -> None:
        with self.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(SCHEMA)

    def ping(self) -> bool:
        with self.connection() as conn:
            row = conn.execute("SELECT 1 AS ok").fetchone()
        return row is not None and row["ok"] == 1

    # --------------------------------------------------------------- accounts

    def upsert_account(self, username: str, pw_hash: bytes, salt: bytes) -> int:
        with self.connection() as conn:
            row = conn.execute(
                "INSERT INTO accounts (username, pw_hash, salt) VALUES (%s, %s, %s) "
                "ON CONFLICT (username) DO UPDATE "
                "SET pw_hash = EXCLUDED.pw_hash, salt = EXCLUDED.salt RETURNING id",
                (username, pw_hash, salt),
            ).fetchone()
        assert row is not None
        return int(row["id"])

    def create_account(self, username: str, pw_hash: bytes, salt: bytes) -> int | None:
        """The new account's id, or None when the name is taken."""
        with self.connection() as conn:
            row = conn.execute(
                "INSERT INTO accounts (username, pw_hash, salt) VALUES (%s, %s, %s) "
                "ON CONFLICT (username) DO NOTHING RETURNING id",
                (username, pw_hash, salt),
            ).fetchone()
        return int(row["id"]) if row else None

    def find_account(self, username: str) -> AccountRow | None:
        with self.connection() as conn:
            row = conn.execute(
                "SELECT id, username, pw_hash, salt FROM accounts WHERE username = %s",
                (username,),
            ).fetchone()
        if row is None:
            return None
        return AccountRow(
            id=row["id"],
            username=row["username"],
            pw_hash=bytes(row["pw_hash"]),
            salt=bytes(row["salt"]),
        )

    def create_session(self, digest: str, account_id: int, ttl_seconds: int) -> None:
        with self.connection() as conn, conn.transaction():
            conn.execute("DELETE FROM sessions WHERE expires_at < now()")
            conn.execute(
                "INSERT INTO sessions (token, account_id, expires_at) "
                "VALUES (%s, %s, now() + make_interval(secs => %s))",
                (digest, account_id, ttl_seconds),
            )

    def session_account(self, digest: str) -> tuple[int, str] | None:
        """The account id and name of a live session, or None."""
        with self.connection() as conn:
            row = conn.execute(
                "SELECT a.id, a.username FROM sessions s JOIN accounts a ON a.id = s.account_id "
                "WHERE s.token = %s AND s.expires_at > now()",
                (digest,),
            ).fetchone()
        return (int(row["id"]), str(row["username"])) if row else None

    # ------------------------------------------------------------------ notes

    def list_notes(
        self, account_id: int | None, limit: int, offset: int, tag: str | None
    ) -> tuple[list[NoteRow], int]:
        """A page of notes, newest first, and the total; `account_id` None means every account."""
        params = {"account": account_id, "tag": tag, "limit": limit, "offset": offset}
        with self.connection() as conn:
            total_row = conn.execute(
                "SELECT count(*) AS n FROM notes " + _LIST_FILTER, params
            ).fetchone()
            rows = conn.execute(
                "SELECT id, title, body, tags, created_at, updated_at FROM notes "
                + _LIST_FILTER
                + " ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s",
                params,
            ).fetchall()
        total = int(total_row["n"]) if total_row else 0
        return [_note(row) for row in rows], total

    def create_note(self, account_id: int, title: str, body: str, tags: list[str]) -> NoteRow:
        with self.connection() as conn:
            row = conn.execute(
                "INSERT INTO notes (account_id, title, body, tags) VALUES (%s, %s, %s, %s) "
                "RETURNING id, title, body, tags, created_at, updated_at",
                (account_id, title, body, tags),
            ).fetchone()
        assert row is not None
        return _note(row)

    def get_note(self, account_id: int | None, note_id: int) -> NoteRow | None:
        """The account's note; `account_id` None means any account's."""
        with self.connection() as conn:
            row = conn.execute(
                "SELECT id, title, body, tags, created_at, updated_at FROM notes "
                "WHERE id = %(id)s AND (%(account)s::bigint IS NULL OR account_id = %(account)s)",
                {"id": note_id, "account": account_id},
            ).fetchone()
        return _note(row) if row else None

    def update_note(
        self, account_id: int, note_id: int, title: str, body: str, tags: list[str]
    ) -> NoteRow | None:
        with self.connection() as conn:
            row = conn.execute(
                "UPDATE notes SET title = %s, body = %s, tags = %s, updated_at = now() "
                "WHERE id = %s AND account_id = %s "
                "RETURNING id, title, body, tags, created_at, updated_at",
                (title, body, tags, note_id, account_id),
            ).fetchone()
        return _note(row) if row else None

    def delete_note(self, account_id: int, note_id: int) -> bool:
        with self.connection() as conn:
            cur = conn.execute(
                "DELETE FROM notes WHERE id = %s AND account_id = %s", (note_id, account_id)
            )
            return cur.rowcount == 1

    def stats(self, account_id: int) -> tuple[int, dict[str, int]]:
        """How many notes the account has, and on how many of them each tag appears."""
        with self.connection() as conn:
            count_row = conn.execute(
                "SELECT count(*) AS n FROM notes WHERE account_id = %s", (account_id,)
            ).fetchone()
            rows = conn.execute(
                "SELECT tag, count(DISTINCT id) AS n FROM notes, unnest(tags) AS tag "
                "WHERE account_id = %s GROUP BY tag ORDER BY tag",
                (account_id,),
            ).fetchall()
        count = int(count_row["n"]) if count_row else 0
        return count, {str(row["tag"]): int(row["n"]) for row in rows}


def _note(row: DictRow) -> NoteRow:
    return NoteRow(
        id=int(row["id"]),
        title=str(row["title"]),
        body=str(row["body"]),
        tags=[str(tag) for tag in row["tags"]],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
