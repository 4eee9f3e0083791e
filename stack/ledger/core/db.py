"""PostgreSQL access: one connection pool per process and timed statement helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.abc import Query
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ledger.core.metrics import DB_POOL_CONNECTIONS, DB_QUERY_DURATION

__all__ = [
    "DB_UNAVAILABLE_ERRORS",
    "Conn",
    "Database",
    "execute",
    "fetchall",
    "fetchone",
    "fetchone_required",
]

Conn = psycopg.Connection[DictRow]

# Errors that mean "the database cannot be reached right now", answered with 503, not 500.
DB_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    PoolTimeout,
)


class Database:
    """A lazily opened pool that validates connections so it heals after a server restart."""

    def __init__(self, url: str, *, max_size: int, min_size: int = 1, timeout: float = 2.0):
        self.max_size = max_size
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            connection_class=Conn,
            kwargs={"row_factory": dict_row, "connect_timeout": 3},
            min_size=min(min_size, max_size),
            max_size=max_size,
            open=False,
            # A connection that died with a restarted server is discarded at checkout
            # instead of failing one request per stale connection.
            check=ConnectionPool.check_connection,
            timeout=timeout,
            # Keep trying to refill while the server is away: the pool must heal by itself.
            reconnect_timeout=365 * 24 * 3600.0,
            name="ledger",
        )

    def open(self) -> None:
        self.pool.open(wait=False)

    def close(self) -> None:
        self.pool.close(timeout=2.0)

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Conn]:
        """A connection inside a transaction: committed on success, rolled back on error."""
        with self.pool.connection(timeout=timeout) as conn:
            yield conn

    def update_gauges(self) -> None:
        stats = self.pool.get_stats()
        size = stats.get("pool_size", 0)
        idle = stats.get("pool_available", 0)
        DB_POOL_CONNECTIONS.labels("in_use").set(max(size - idle, 0))
        DB_POOL_CONNECTIONS.labels("idle").set(idle)
        DB_POOL_CONNECTIONS.labels("max").set(self.max_size)


def _timed(conn: Conn, sql: Query, params: Sequence[Any] | dict[str, Any]) -> psycopg.Cursor[DictRow]:
    start = time.perf_counter()
    try:
        return conn.execute(sql, params)
    finally:
        DB_QUERY_DURATION.observe(time.perf_counter() - start)


def fetchone(
    conn: Conn, sql: Query, params: Sequence[Any] | dict[str, Any] = ()
) -> DictRow | None:
    return _timed(conn, sql, params).fetchone()


def fetchall(conn: Conn, sql: Query, params: Sequence[Any] | dict[str, Any] = ()) -> list[DictRow]:
    return _timed(conn, sql, params).fetchall()


def execute(conn: Conn, sql: Query, params: Sequence[Any] | dict[str, Any] = ()) -> int:
    return _timed(conn, sql, params).rowcount


def fetchone_required(
    conn: Conn, sql: Query, params: Sequence[Any] | dict[str, Any] = ()
) -> DictRow:
    """For statements that always return a row (INSERT ... RETURNING, aggregates)."""
    row = _timed(conn, sql, params).fetchone()
    if row is None:
        raise RuntimeError("statement returned no row")
    return row
