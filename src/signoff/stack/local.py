"""The embedded stack: PostgreSQL, Redis, the service and its worker as local child processes.

Everything listens on free loopback ports and lives in a temporary folder; logs go to the run
directory. `stop()` always runs (context manager, atexit, and the CLI's signal handlers) and
leaves no process or listening port behind.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

import httpx

from signoff.errors import StackStartError
from signoff.stack import postgres
from signoff.stack.interface import StackControls, StackHandle, StackProvider
from signoff.stack.procs import ManagedProcess, free_port, log_tail


def redis_pings(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


class LocalProvider(StackProvider):
    """Runs the reference stack from `stack_dir` as child processes of this one."""

    name: ClassVar[str] = "local"

    def __init__(
        self,
        stack_dir: Path,
        log_dir: Path,
        ready_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        coverage_dir: Path | None = None,
        coverage_rcfile: Path | None = None,
        service_env: dict[str, str] | None = None,
    ) -> None:
        self.stack_dir = stack_dir.resolve()
        self.log_dir = log_dir
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.coverage_dir = coverage_dir
        self.coverage_rcfile = coverage_rcfile
        self.service_env = service_env or {}
        self.workdir: Path | None = None
        self.procs: dict[str, ManagedProcess] = {}
        self.ports: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()
        self._registered = False

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            postgres.find_bindir()
        except StackStartError as exc:
            return exc.message
        if shutil.which("redis-server") is None:
            return "redis-server was not found (apt-get install -y redis-server)."
        return None

    # ------------------------------------------------------------------ start
    def start(self) -> StackHandle:
        if not (self.stack_dir / "ledger").is_dir():
            raise StackStartError(
                f"The reference service was not found in {self.stack_dir}.",
                hint="run from the signoff checkout, or use --stack url for your own service.",
            )
        if not self._registered:
            atexit.register(self.stop)
            self._registered = True
        began = time.perf_counter()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix="signoff-stack-"))
        os.chmod(self.workdir, 0o755)  # the postgres user must traverse it
        (self.workdir / "metrics").mkdir()
        self.ports = {"postgres": free_port(), "redis": free_port(), "service": free_port()}

        redis = self._redis_process()
        redis.start()
        self._start_postgres()
        redis.wait_ready(lambda: redis_pings(self.ports["redis"]), self.ready_timeout, "PING")
        self.timings["redis"] = time.perf_counter() - began
        postgres.create_database(self.admin_dsn, "ledger")
        self.timings["postgres"] = time.perf_counter() - began

        service = self._python_process(
            "service", ["serve", "--host", "127.0.0.1", "--port", str(self.ports["service"])]
        )
        service.start()
        self.start_worker()
        service.wait_ready(
            self._service_ready, self.ready_timeout, f"{self.base_url}/health/ready healthy"
        )
        self.timings["ready"] = time.perf_counter() - began
        api_key = self.new_tenant("signoff")
        self.timings["tenant"] = time.perf_counter() - began
        return StackHandle(
            provider=self.name,
            base_url=self.base_url,
            api_key=api_key,
            database_url=self.database_url,
            redis_url=f"redis://127.0.0.1:{self.ports['redis']}/0",
            controls=LocalControls(self),
            log_dir=self.log_dir,
            components={name: f"127.0.0.1:{port}" for name, port in self.ports.items()},
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['service']}"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/postgres"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/ledger"

    def _redis_process(self) -> ManagedProcess:
        assert self.workdir is not None
        argv = [
            "redis-server",
            "--port",
            str(self.ports["redis"]),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        proc = ManagedProcess("redis", argv, self.log_dir / "redis.log")
        self.procs["redis"] = proc
        return proc

    def _start_postgres(self) -> None:
        assert self.workdir is not None
        bindir = postgres.find_bindir()
        user = postgres.server_user()
        log = self.log_dir / "postgres.log"
        data = self.workdir / "pgdata"
        if not data.exists():
            data = postgres.prepare_data_dir(bindir, self.workdir, user, log)
        sockets = self.workdir / "pgsock"
        if not sockets.exists():
            sockets.mkdir()
            postgres.give_to(sockets, user)
        proc = postgres.server_process(bindir, data, self.ports["postgres"], sockets, log, user)
        self.procs["postgres"] = proc
        proc.start()
        proc.wait_ready(
            lambda: postgres.can_query(self.admin_dsn), self.ready_timeout, "a query answers"
        )

    def _env(self) -> dict[str, str]:
        assert self.workdir is not None
        env = dict(os.environ)
        env.pop("COVERAGE_PROCESS_START", None)
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(self.stack_dir), env.get("PYTHONPATH", "")])
                ),
                "LEDGER_DATABASE_URL": self.database_url,
                "LEDGER_REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
                "LEDGER_METRICS_DIR": str(self.workdir / "metrics"),
                "LEDGER_ENV": "local",
            }
        )
        env.update(self.service_env)
        return env

    def _python_process(self, name: str, args: list[str]) -> ManagedProcess:
        argv = [sys.executable]
        env = self._env()
        if self.coverage_dir is not None:
            self.coverage_dir.mkdir(parents=True, exist_ok=True)
            argv += ["-m", "coverage", "run", "--parallel-mode"]
            if self.coverage_rcfile is not None:
                argv += [f"--rcfile={self.coverage_rcfile}"]
            env["COVERAGE_FILE"] = str(self.coverage_dir / f".coverage.{name}")
        argv += ["-m", "ledger", *args]
        proc = ManagedProcess(name, argv, self.log_dir / f"{name}.log", env=env, cwd=self.stack_dir)
        self.procs[name] = proc
        return proc

    def _service_ready(self) -> bool:
        response = httpx.get(f"{self.base_url}/health/ready", timeout=1.0)
        return response.status_code == 200 and response.json().get("status") == "healthy"

    # ------------------------------------------------------------------ controls
    def start_worker(self) -> None:
        self._python_process("worker", ["worker"]).start()

    def new_tenant(self, name: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "ledger", "create-tenant", name],
            env=self._env(),
            cwd=self.stack_dir,
            capture_output=True,
            text=True,
            timeout=self.ready_timeout,
            check=False,
        )
        key = result.stdout.strip()
        if result.returncode != 0 or not key or "\n" in key:
            raise StackStartError(
                f"Creating a tenant failed (code {result.returncode}): "
                f"{result.stderr.strip()[-300:] or 'no key was printed'}."
            )
        return key

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        with self._lock:
            for name in ("worker", "service", "redis", "postgres"):
                proc = self.procs.pop(name, None)
                if proc is not None:
                    proc.stop(self.stop_timeout)
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.workdir = None

    def tail(self, component: str) -> str:
        return log_tail(self.log_dir / f"{component}.log")


class LocalControls(StackControls):
    """Fault controls of the embedded stack."""

    provider = "local"

    def __init__(self, stack: LocalProvider) -> None:
        self.stack = stack

    def stop_redis(self) -> None:
        self.stack.procs["redis"].stop(self.stack.stop_timeout)

    def start_redis(self) -> None:
        proc = self.stack.procs["redis"]
        proc.start()
        port = self.stack.ports["redis"]
        proc.wait_ready(lambda: redis_pings(port), self.stack.ready_timeout, "PING")

    def stop_postgres(self) -> None:
        self.stack.procs["postgres"].stop(self.stack.stop_timeout)

    def start_postgres(self) -> None:
        self.stack._start_postgres()

    def kill_worker(self) -> None:
        self.stack.procs["worker"].kill()

    def start_worker(self) -> None:
        self.stack.start_worker()

    def new_tenant(self, name: str) -> str:
        return self.stack.new_tenant(name)

    def service_pid(self) -> int:
        return self.stack.procs["service"].pid
