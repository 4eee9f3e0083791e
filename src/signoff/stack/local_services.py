"""The backing services the embedded stack runs for its target: PostgreSQL and Redis as child
processes on loopback ports, in the run's temporary folder."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Mapping
from pathlib import Path

from signoff.errors import StackStartError
from signoff.stack import postgres
from signoff.stack.procs import ManagedProcess
from signoff.stack.reap import RunLabel
from signoff.target import Target

DATABASE = postgres.DATABASE


def redis_pings(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def missing(target: Target) -> StackStartError | None:
    """Why a backing service `target` declares cannot run here (with its tip), or None."""
    if "postgres" in target.services:
        try:
            postgres.find_bindir()
        except StackStartError as exc:
            return exc
    if "redis" in target.services and shutil.which("redis-server") is None:
        return StackStartError(
            "redis-server was not found.",
            hint="install it with `apt-get install -y redis-server`.",
        )
    return None


def admin_dsn(ports: dict[str, int]) -> str:
    return f"postgresql://postgres@127.0.0.1:{ports['postgres']}/postgres"


def urls(ports: dict[str, int]) -> dict[str, str]:
    """The URL of each backing service that has a port, as the target's commands get it."""
    found: dict[str, str] = {}
    if "postgres" in ports:
        found["postgres"] = f"postgresql://postgres@127.0.0.1:{ports['postgres']}/{DATABASE}"
    if "redis" in ports:
        found["redis"] = f"redis://127.0.0.1:{ports['redis']}/0"
    return found


def redis_process(
    port: int, workdir: Path, log_dir: Path, label: RunLabel | None
) -> ManagedProcess:
    """A Redis server that keeps nothing on disk."""
    argv = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
    ]
    return ManagedProcess("redis", argv, log_dir / "redis.log", label=label)


def postgres_process(
    port: int,
    workdir: Path,
    log_dir: Path,
    label: RunLabel | None,
    settings: Mapping[str, str] | None = None,
) -> ManagedProcess:
    """A PostgreSQL server on a cluster in `workdir` (made on its first start, kept for a
    restart), with further server `settings`, not started yet."""
    bindir = postgres.find_bindir()
    user = postgres.server_user()
    log = log_dir / "postgres.log"
    data = workdir / "pgdata"
    if not data.exists():
        data = postgres.prepare_data_dir(bindir, workdir, user, log)
    sockets = workdir / "pgsock"
    if not sockets.exists():
        sockets.mkdir()
        postgres.give_to(sockets, user)
    return postgres.server_process(bindir, data, port, sockets, log, user, label, settings)
