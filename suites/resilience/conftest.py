"""Resilience helpers: light steady read traffic in a thread, settings, and database counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from signoff import config as config_mod
from signoff.pytest_plugin import service_env
from signoff.stack.interface import StackHandle

LEASE_VAR = "LEDGER_RUN_LEASE_S"


def pytest_configure(config: pytest.Config) -> None:
    """The suite's stack runs with the layer's `run_lease_s`: a killed worker's run is
    reclaimed once its lease lapses, so the lease is what the crash test waits out."""
    pairs: list[str] = config.option.signoff_service_env
    layer = config_mod.load(Path(str(config.rootpath))).layers.get("resilience")
    lease = layer.settings.get("run_lease_s") if layer is not None else None
    if lease is not None and LEASE_VAR not in service_env(pairs):
        pairs.append(f"{LEASE_VAR}={float(lease):g}")


@dataclass(frozen=True)
class Sample:
    t: float
    path: str
    status: int  # 0 when the connection failed
    body: str


@dataclass
class Traffic:
    """GETs in a loop (about 20 a second) against `paths`, each answer kept with its time."""

    client: httpx.Client
    paths: list[str]
    pause: float = 0.05
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _loop(self) -> None:
        n = 0
        while not self._stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            try:
                response = self.client.get(path)
                status, body = response.status_code, response.text[:300]
            except httpx.HTTPError as exc:
                status, body = 0, f"{type(exc).__name__}: {exc}"
            self.samples.append(Sample(time.monotonic(), path, status, body))
            self._stop.wait(self.pause)

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in list(self.samples) if start <= s.t <= end]

    @staticmethod
    def summary(samples: list[Sample]) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for s in samples:
            by_status[str(s.status)] = by_status.get(str(s.status), 0) + 1
        return {"requests": len(samples), "by_status": by_status}


@pytest.fixture
def traffic(stack: StackHandle) -> Iterator[Any]:
    """A factory of running Traffic objects; all of them stop at teardown."""
    started: list[Traffic] = []
    clients: list[httpx.Client] = []

    def make(paths: list[str], token: str = "") -> Traffic:
        """Reads of `paths` with `token` (default: the stack's own credential)."""
        client = httpx.Client(
            base_url=stack.base_url,
            headers={"Authorization": f"Bearer {token or stack.token}"},
            timeout=5.0,
        )
        clients.append(client)
        flow = Traffic(client, paths)
        flow.start()
        started.append(flow)
        return flow

    yield make
    for flow in started:
        flow.stop()
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> dict[str, Any]:
    return dict(config_mod.load(Path(str(pytestconfig.rootpath))).layers["resilience"].settings)


@pytest.fixture(scope="session")
def db(stack: StackHandle, controls: object) -> Any:
    """Counts straight from PostgreSQL: what was stored, not what the API says was stored."""

    def query(sql: str, *args: Any) -> list[tuple[Any, ...]]:
        assert stack.database_url, "the stack has no database URL"
        with psycopg.connect(stack.database_url, connect_timeout=5) as conn:
            return list(conn.execute(sql, args).fetchall())

    return query


def _big_csv(rows: int, prefix: str, shift: int = 0) -> str:
    lines = ["reference,date,amount,currency"]
    lines += [
        f"{prefix}{i},2024-01-{1 + (i + shift) % 28:02d},{100 + i % 997}.{i % 100:02d},EUR"
        for i in range(rows)
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def big_csv() -> Any:
    """Rows that match only by amount and date, so the matcher does real work."""
    return _big_csv
