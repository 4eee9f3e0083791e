"""pantry's PostgreSQL store: where the database is (DATABASE_URL, else POSTGRES_*), the schema
and seed data (idempotent, created when the service starts), and the queries."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

Row = dict[str, Any]
Connection = psycopg.Connection[Row]

EMAIL = "cook@example.com"  # the admin's
PASSWORD = os.environ.get("PANTRY_PASSWORD", "sugar and salt")
MAX_ID = 2**62
# two starts at once (the service and a test run) queue on one advisory lock
_LOCK = 730_024
SCHEMA = (
    "SELECT pg_advisory_xact_lock(%s)",
    """CREATE TABLE IF NOT EXISTS users (
        id bigserial PRIMARY KEY,
        email text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL,
        is_active boolean NOT NULL DEFAULT true
    )""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token text PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE
    )""",
    "CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, name text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS recipes (slug text PRIMARY KEY, title text NOT NULL)",
    "INSERT INTO items VALUES (7, 'flour'), (9, 'eggs') ON CONFLICT DO NOTHING",
    "INSERT INTO recipes VALUES ('pancakes', 'Pancakes') ON CONFLICT DO NOTHING",
)


class NoDatabase(Exception):
    """The environment names no database."""


def conninfo(env: Mapping[str, str]) -> str:
    """DATABASE_URL when set, else the POSTGRES_* parts (as the suite reads them)."""
    if env.get("DATABASE_URL"):
        return env["DATABASE_URL"]
    if not env.get("POSTGRES_HOST") or not env.get("POSTGRES_DB"):
        raise NoDatabase(
            "set DATABASE_URL, or POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD"
            " and POSTGRES_DB"
        )
    return make_conninfo(
        host=env["POSTGRES_HOST"],
        port=env.get("POSTGRES_PORT", "5432"),
        user=env.get("POSTGRES_USER", "postgres"),
        password=env.get("POSTGRES_PASSWORD", ""),
        dbname=env["POSTGRES_DB"],
    )


@contextmanager
def connect(dsn: str) -> Iterator[Connection]:
    """A connection whose transaction commits when the block ends without an error."""
    with psycopg.connect(dsn, row_factory=dict_row, connect_timeout=5) as conn:
        yield conn


def prepare(conn: Connection, password: str) -> None:
    """The tables, the seed data and the admin account (whose password the environment sets)."""
    for statement in SCHEMA:
        conn.execute(statement, (_LOCK,) if "%s" in statement else None)
    conn.execute(
        "INSERT INTO users (email, password_hash, role) VALUES (%s, %s, 'admin')"
        " ON CONFLICT (email) DO NOTHING",
        (EMAIL, password_hash(password)),
    )


def password_hash(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 20_000)
    return f"{salt}${digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    salt, digest = stored.split("$")
    found = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 20_000)
    return hmac.compare_digest(found.hex(), digest)


def authenticate(conn: Connection, email: str, password: str) -> Row | None:
    """The active user with this email and password."""
    row = conn.execute(
        "SELECT id, email, role, is_active, password_hash FROM users WHERE email = %s", (email,)
    ).fetchone()
    if row is None or not row["is_active"] or not _matches(password, row.pop("password_hash")):
        return None
    return row


def add_user(conn: Connection, email: str, password: str) -> Row | None:
    """A new cook; None when the email is taken."""
    return conn.execute(
        "INSERT INTO users (email, password_hash, role) VALUES (%s, %s, 'cook')"
        " ON CONFLICT (email) DO NOTHING RETURNING id, email, role, is_active",
        (email, password_hash(password)),
    ).fetchone()


def new_session(conn: Connection, user_id: int) -> str:
    token = secrets.token_urlsafe(16)
    conn.execute("INSERT INTO sessions (token, user_id) VALUES (%s, %s)", (token, user_id))
    return token


def caller(conn: Connection, token: str) -> Row | None:
    """The active user a session token belongs to."""
    return conn.execute(
        "SELECT u.id, u.email, u.role, u.is_active FROM sessions s JOIN users u"
        " ON u.id = s.user_id WHERE s.token = %s AND u.is_active",
        (token,),
    ).fetchone()


def update_user(conn: Connection, user_id: int, changes: Mapping[str, Any]) -> Row | None:
    """The user with the given fields changed (a field left out keeps its value)."""
    return conn.execute(
        "UPDATE users SET email = COALESCE(%(email)s, email), role = COALESCE(%(role)s, role),"
        " is_active = COALESCE(%(is_active)s, is_active) WHERE id = %(id)s"
        " RETURNING id, email, role, is_active",
        {"email": None, "role": None, "is_active": None, **changes, "id": user_id},
    ).fetchone()


def drop_sessions(conn: Connection, user_id: int) -> None:
    conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))


def items(conn: Connection) -> list[Row]:
    return conn.execute("SELECT id, name FROM items ORDER BY id").fetchall()


def item(conn: Connection, item_id: int) -> Row | None:
    return conn.execute("SELECT id, name FROM items WHERE id = %s", (item_id,)).fetchone()


def recipes(conn: Connection) -> list[Row]:
    return conn.execute("SELECT slug, title FROM recipes ORDER BY slug").fetchall()


def recipe(conn: Connection, slug: str) -> Row | None:
    return conn.execute("SELECT slug, title FROM recipes WHERE slug = %s", (slug,)).fetchone()
