"""One connection to the run store, SQLite or PostgreSQL, behind the same few calls.

Statements are written once with `?` placeholders; PostgreSQL's driver gets them as `%s`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff.config import HistorySettings
from signoff.errors import SignoffError
from signoff.history.schema import migrate

Row = tuple[Any, ...]


class StoreError(SignoffError):
    """The run store could not be opened, read or written."""


@dataclass(frozen=True)
class Database:
    """An open store: `query` reads rows, `execute` writes inside `transaction()`."""

    conn: Any
    postgres: bool
    where: str

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self.conn.execute(self._sql(sql), tuple(params))
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(self._sql(sql), tuple(params))

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.cursor().executemany(self._sql(sql), [tuple(r) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is stored together or not at all."""
        try:
            yield
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def close(self) -> None:
        self.conn.close()


def location(settings: HistorySettings, root: Path) -> str:
    """Where the store is, as the user named it (a URL's password left out)."""
    if settings.url:
        head, _, tail = settings.url.partition("@")
        return f"{head.split(':')[0]}://…@{tail}" if tail else settings.url
    return str(root / settings.path)


def connect(settings: HistorySettings, root: Path) -> Database:
    """The store the settings name, migrated to the current schema."""
    where = location(settings, root)
    try:
        if settings.url:
            import psycopg

            db = Database(psycopg.connect(settings.url, connect_timeout=10), True, where)
        else:
            path = root / settings.path
            path.parent.mkdir(parents=True, exist_ok=True)
            # a writer waits for another (two reports at once) instead of failing at once
            db = Database(sqlite3.connect(path, timeout=30), False, where)
    except Exception as exc:
        raise StoreError(
            f"The run store {where} could not be opened: {exc}.",
            hint="check [history] url or path, or set [history] enabled = false.",
        ) from exc
    try:
        migrate(db)
    except Exception:
        db.close()
        raise
    return db
