"""Data access: users and items, in plain SQL."""

from __future__ import annotations

from typing import Any

from psycopg.errors import UniqueViolation

from .core.db import Connection, Row
from .core.security import get_password_hash, verify_password
from .models import ItemCreate, ItemUpdate, UserCreate, UserUpdate

# the columns a PATCH may set, by the field that carries them (never built from input)
_USER_SETS = {
    "email": "UPDATE users SET email = %s WHERE id = %s",
    "full_name": "UPDATE users SET full_name = %s WHERE id = %s",
    "is_active": "UPDATE users SET is_active = %s WHERE id = %s",
    "is_superuser": "UPDATE users SET is_superuser = %s WHERE id = %s",
    "hashed_password": "UPDATE users SET hashed_password = %s WHERE id = %s",
}


class EmailTaken(Exception):
    """Another user has this email."""


def get_user(conn: Connection, user_id: int) -> Row | None:
    return conn.execute(
        "SELECT id, email, full_name, is_active, is_superuser FROM users WHERE id = %s",
        (user_id,),
    ).fetchone()


def authenticate(conn: Connection, email: str, password: str) -> Row | None:
    row = conn.execute(
        "SELECT id, email, full_name, is_active, is_superuser, hashed_password"
        " FROM users WHERE email = %s",
        (email,),
    ).fetchone()
    if row is None or not verify_password(password, row.pop("hashed_password")):
        return None
    return row


def list_users(conn: Connection, skip: int, limit: int) -> tuple[list[Row], int]:
    rows = conn.execute(
        "SELECT id, email, full_name, is_active, is_superuser"
        " FROM users ORDER BY id OFFSET %s LIMIT %s",
        (skip, limit),
    ).fetchall()
    count = conn.execute("SELECT count(*) AS n FROM users").fetchone()
    return rows, int(count["n"]) if count else 0


def create_user(conn: Connection, user: UserCreate) -> Row:
    try:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO users (email, hashed_password, full_name, is_active, is_superuser)"
                " VALUES (%s, %s, %s, %s, %s)"
                " RETURNING id, email, full_name, is_active, is_superuser",
                (
                    user.email,
                    get_password_hash(user.password),
                    user.full_name,
                    user.is_active,
                    user.is_superuser,
                ),
            ).fetchone()
    except UniqueViolation:
        raise EmailTaken(user.email) from None
    if row is None:
        raise RuntimeError("INSERT … RETURNING gave no row")
    return row


def update_user(conn: Connection, user_id: int, update: UserUpdate) -> Row | None:
    # an explicit null clears the full name only; the other columns keep their value
    changes: dict[str, Any] = {
        field: value
        for field, value in update.model_dump(exclude_unset=True, exclude={"password"}).items()
        if value is not None or field == "full_name"
    }
    if update.password is not None:
        changes["hashed_password"] = get_password_hash(update.password)
    try:
        with conn.transaction():
            for field, value in changes.items():
                conn.execute(_USER_SETS[field], (value, user_id))
    except UniqueViolation:
        raise EmailTaken(str(update.email)) from None
    return get_user(conn, user_id)


def delete_user(conn: Connection, user_id: int) -> bool:
    return conn.execute("DELETE FROM users WHERE id = %s", (user_id,)).rowcount == 1


def list_items(
    conn: Connection, owner_id: int | None, skip: int, limit: int
) -> tuple[list[Row], int]:
    """A page of one owner's items, or of everyone's (owner_id None: a superuser)."""
    rows = conn.execute(
        "SELECT id, title, description, owner_id FROM items"
        " WHERE %(owner)s::bigint IS NULL OR owner_id = %(owner)s"
        " ORDER BY id OFFSET %(skip)s LIMIT %(limit)s",
        {"owner": owner_id, "skip": skip, "limit": limit},
    ).fetchall()
    count = conn.execute(
        "SELECT count(*) AS n FROM items WHERE %(owner)s::bigint IS NULL OR owner_id = %(owner)s",
        {"owner": owner_id},
    ).fetchone()
    return rows, int(count["n"]) if count else 0


def get_item(conn: Connection, item_id: int) -> Row | None:
    return conn.execute(
        "SELECT id, title, description, owner_id FROM items WHERE id = %s", (item_id,)
    ).fetchone()


def create_item(conn: Connection, item: ItemCreate, owner_id: int) -> Row:
    row = conn.execute(
        "INSERT INTO items (title, description, owner_id) VALUES (%s, %s, %s)"
        " RETURNING id, title, description, owner_id",
        (item.title, item.description, owner_id),
    ).fetchone()
    if row is None:
        raise RuntimeError("INSERT … RETURNING gave no row")
    return row


def update_item(conn: Connection, item_id: int, update: ItemUpdate) -> Row | None:
    changes = update.model_dump(exclude_unset=True)
    return conn.execute(
        "UPDATE items SET title = CASE WHEN %(t)s THEN %(title)s ELSE title END,"
        " description = CASE WHEN %(d)s THEN %(description)s ELSE description END"
        " WHERE id = %(id)s RETURNING id, title, description, owner_id",
        {
            "t": "title" in changes and changes["title"] is not None,
            "title": changes.get("title"),
            "d": "description" in changes,
            "description": changes.get("description"),
            "id": item_id,
        },
    ).fetchone()


def delete_item(conn: Connection, item_id: int) -> bool:
    return conn.execute("DELETE FROM items WHERE id = %s", (item_id,)).rowcount == 1
