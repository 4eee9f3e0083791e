"""PostgreSQL access: one connection pool per process and timed statement helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, LiteralString, Protocol

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ledger.core.metrics import DB_POOL_CONNECTIONS, DB_QUERY_DURATION

__all__ = [
    "DB_UNAVAILABLE_ERRORS",
    "Conn",
    "Connector",
    "Database",
    "ThreadConnections",
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


class Connector(Protocol):
    def connection(self, timeout: float | None = None) -> AbstractContextManager[Conn]: ...


class ThreadConnections:
    """One connection per thread, reopened on the next use after a failure.

    For the worker: its two threads each need one connection, and after a server restart it must
    reconnect at once rather than wait out a pool's growing reconnection backoff.
    """

    def __init__(self, url: str, connect_timeout: float = 3.0):
        self.url = url
        self.connect_timeout = connect_timeout
        self._local = threading.local()

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Conn]:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = Conn.connect(
                self.url,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=max(1, round(timeout or self.connect_timeout)),
            )
            self._local.conn = conn
        try:
            with conn.transaction():
                yield conn
        except DB_UNAVAILABLE_ERRORS:
            conn.close()
            self._local.conn = None
            raise

    def close(self) -> None:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


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


def _timed(
    conn: Conn, sql: LiteralString, params: Sequence[Any] | dict[str, Any]
) -> psycopg.Cursor[DictRow]:
    start = time.perf_counter()
    try:
        return conn.execute(sql, params)
    finally:
        DB_QUERY_DURATION.observe(time.perf_counter() - start)


def fetchone(
    conn: Conn, sql: LiteralString, params: Sequence[Any] | dict[str, Any] = ()
) -> DictRow | None:
    return _timed(conn, sql, params).fetchone()


def fetchall(
    conn: Conn, sql: LiteralString, params: Sequence[Any] | dict[str, Any] = ()
) -> list[DictRow]:
    return _timed(conn, sql, params).fetchall()


def execute(conn: Conn, sql: LiteralString, params: Sequence[Any] | dict[str, Any] = ()) -> int:
    return _timed(conn, sql, params).rowcount


def fetchone_required(
    conn: Conn, sql: LiteralString, params: Sequence[Any] | dict[str, Any] = ()
) -> DictRow:
    """For statements that always return a row (INSERT ... RETURNING, aggregates)."""
    row = _timed(conn, sql, params).fetchone()
    if row is None:
        raise RuntimeError("statement returned no row")
    return row
