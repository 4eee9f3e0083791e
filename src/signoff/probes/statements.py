"""The statements a service ran on the embedded PostgreSQL, as `pg_stat_statements` counts them
per normalised query: snapshots of one database's counters, the work between two of them, and
the statements the service runs when no request comes (a worker's polling: its background)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from signoff.errors import EvidenceError

EXTENSION = "pg_stat_statements"
# one database's counters; the admin connection reads from another database, so its own
# reads are never counted as the service's
_READ = (
    "SELECT s.queryid, sum(s.calls)::bigint, sum(s.total_exec_time), min(s.query)"
    " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
    " WHERE d.datname = %s GROUP BY s.queryid"
)
SHOWN = 160  # characters of a statement kept as evidence


@dataclass(frozen=True)
class Counter:
    """One normalised statement's counters: how often it ran, its time, its text."""

    calls: int
    time_ms: float
    query: str


Snapshot = dict[int, Counter]


@dataclass(frozen=True)
class Work:
    """What ran between two snapshots, background statements left out: the statements'
    calls and time, and the calls by statement text."""

    calls: int = 0
    time_ms: float = 0.0
    statements: dict[str, int] = field(default_factory=dict)


def admin_dsn(database_url: str) -> tuple[str, str]:
    """(a DSN of the server's `postgres` database, the service's database name)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path="/postgres")), name


class Statements:
    """The counters of one database, read through a connection to the server's own database."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        dsn, self.database = admin_dsn(database_url)
        try:
            self.conn: Any = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
            self.conn.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
            self.conn.execute(f"SELECT count(*) FROM {EXTENSION}").fetchone()
        except psycopg.Error as exc:
            raise EvidenceError(
                f"The embedded PostgreSQL does not count statements: {str(exc).strip()}.",
                hint="the server must start with shared_preload_libraries = "
                "'pg_stat_statements' (postgresql-contrib installed).",
            ) from None

    def snapshot(self) -> Snapshot:
        rows = self.conn.execute(_READ, (self.database,)).fetchall()
        return {int(q): Counter(int(c), float(t), str(text)) for q, c, t, text in rows}

    def background(self, seconds: float) -> frozenset[int]:
        """The statements that ran while no request was sent for `seconds`."""
        before = self.snapshot()
        time.sleep(seconds)
        return frozenset(ran(before, self.snapshot()))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Statements:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def ran(before: Mapping[int, Counter], after: Mapping[int, Counter]) -> dict[int, Counter]:
    """The statements that ran between two snapshots, with their calls and time then."""
    found = {}
    for query, now in after.items():
        was = before.get(query, Counter(0, 0.0, now.query))
        if now.calls > was.calls:
            found[query] = Counter(now.calls - was.calls, now.time_ms - was.time_ms, now.query)
    return found


def work(
    before: Mapping[int, Counter], after: Mapping[int, Counter], background: frozenset[int]
) -> Work:
    """What ran between two snapshots, leaving out the background statements."""
    found = {q: c for q, c in ran(before, after).items() if q not in background}
    statements: dict[str, int] = {}
    for counter in found.values():
        text = " ".join(counter.query.split())[:SHOWN]
        statements[text] = statements.get(text, 0) + counter.calls
    return Work(
        sum(c.calls for c in found.values()),
        round(sum(c.time_ms for c in found.values()), 3),
        statements,
    )
