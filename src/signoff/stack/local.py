"""The embedded stack: the target's processes and the backing services it declares
(`local_services`), as local child processes.

Everything listens on free loopback ports and lives in a temporary folder; logs go to the run
directory. `stop()` always runs (context manager, atexit, and the CLI's signal handlers) and
leaves no process or listening port behind. Every process carries the run's label (`reap.py`),
and every start first reaps what a killed earlier run left.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

import httpx

from signoff import covrc
from signoff.errors import StackStartError
from signoff.stack import auth, identities, interpreter, local_services, pg_spares, postgres, reap
from signoff.stack.identities import Site
from signoff.stack.interface import StackHandle, StackProvider, absolute
from signoff.stack.interpreter import PYTHONS
from signoff.stack.local_controls import LocalControls
from signoff.stack.local_services import DATABASE, redis_pings
from signoff.stack.procs import ManagedProcess, free_port, log_tail, run_step, stop_together
from signoff.target import Target, expand, stack_placeholders

__all__ = ["DATABASE", "PYTHONS", "LocalControls", "LocalProvider", "redis_pings"]


class LocalProvider(StackProvider):
    """Runs the target's commands from the project at `root` as child processes of this one."""

    name: ClassVar[str] = "local"

    def __init__(
        self,
        target: Target,
        root: Path,
        log_dir: Path,
        ready_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        coverage_dir: Path | None = None,
        service_env: dict[str, str] | None = None,
    ) -> None:
        self.target = target
        self.root = root.resolve()
        self.log_dir = log_dir
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.coverage_dir = coverage_dir
        self.service_env = service_env or {}
        self.workdir: Path | None = None
        self.label: reap.RunLabel | None = None
        self.reaped: list[str] = []
        self.procs: dict[str, ManagedProcess] = {}
        self.ports: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.token = ""
        self.postgres_settings: dict[str, str] = {}  # further server settings a layer asks for
        self._lock = threading.Lock()
        self._registered = False
        self._probe: httpx.Client | None = None
        # the service's own interpreter: its `python` commands run there, not under signoff's
        self.python = interpreter.resolve(self.root, target.python)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    def missing_services(self) -> StackStartError | None:
        """Why a declared backing service cannot run here (with its tip), or None."""
        return local_services.missing(self.target)

    # ------------------------------------------------------------------ start
    def start(self) -> StackHandle:
        if not self.target.startable:
            raise StackStartError(
                "The target declares no process to start ([tool.signoff.target.processes]).",
                hint="add the command that serves it, or test a deployment with --stack url.",
            )
        missing = self.missing_services()
        if missing:
            raise missing
        if not self._registered:
            atexit.register(self.stop)
            self._registered = True
        began = time.perf_counter()
        self.reaped = reap.reap()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix=reap.FOLDER_PREFIX))
        os.chmod(self.workdir, 0o755)  # the postgres user must traverse it
        self.ports = {name: free_port() for name in self.target.services}
        self.ports[self.target.http_process] = free_port()
        self.label = reap.RunLabel.create(self.workdir, self.ports)
        self._start_services(began)
        self._setup(self.target.setup_before_ready, "target.setup_before_ready")
        for name in self.target.processes:
            self.start_process(name, wait=False)
        http = self.procs[self.target.http_process]
        ready_url = absolute(self.base_url, self.target.ready_path)
        http.wait_ready(
            self._ready, self.ready_timeout, f"{ready_url} answers {self.target.ready_status}"
        )
        self.timings["ready"] = time.perf_counter() - began
        self.secrets.add_configured(self.env(), self.target.env, self.service_urls())
        self._setup(self.target.setup, "target.setup")
        self.token = self.new_credential("signoff", new=False)
        self.timings["credential"] = time.perf_counter() - began
        return StackHandle(
            provider=self.name,
            base_url=self.base_url,
            token=self.token,
            headers=auth.headers(self.target.auth, self.token),
            services=self.service_urls(),
            controls=LocalControls(self),
            log_dir=self.log_dir,
            openapi=self.target.openapi,
            metrics_url=absolute(self.base_url, self.target.metrics_path),
            components={name: f"127.0.0.1:{port}" for name, port in self.ports.items()},
            secrets=self.secrets,
        )

    def _start_services(self, began: float) -> None:
        if "redis" in self.target.services:
            assert self.workdir is not None
            redis = local_services.redis_process(
                self.ports["redis"], self.workdir, self.log_dir, self.label
            )
            self.procs["redis"] = redis
            redis.start()
        if "postgres" in self.target.services:
            self.start_postgres()
            postgres.create_database(self.admin_dsn, DATABASE)
            self.timings["postgres"] = time.perf_counter() - began
        if "redis" in self.target.services:
            port = self.ports["redis"]
            self.procs["redis"].wait_ready(lambda: redis_pings(port), self.ready_timeout, "PING")
            self.timings["redis"] = time.perf_counter() - began

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[self.target.http_process]}"

    @property
    def admin_dsn(self) -> str:
        return local_services.admin_dsn(self.ports)

    def service_urls(self) -> dict[str, str]:
        return local_services.urls(self.ports)

    def placeholders(self) -> dict[str, str]:
        """The values a command or env entry of the target may name."""
        assert self.workdir is not None
        values = stack_placeholders(self.base_url, self.service_urls(), str(self.root), self.python)
        return {**values, "workdir": str(self.workdir)}

    def start_postgres(self) -> None:
        assert self.workdir is not None
        proc = local_services.postgres_process(
            self.ports["postgres"], self.workdir, self.log_dir, self.label, self.postgres_settings
        )
        self.procs["postgres"] = proc
        proc.start()
        proc.wait_ready(
            lambda: postgres.can_query(self.admin_dsn), self.ready_timeout, "a query answers"
        )

    def env(self) -> dict[str, str]:
        """The environment of every command of the target."""
        env = dict(os.environ)
        env.pop("COVERAGE_PROCESS_START", None)
        paths = [str(self.root / p) for p in self.target.python_path]
        if self.coverage_dir is not None:  # coverage.py lent when the service's env lacks it
            paths.append(interpreter.coverage_path(self.python, self.coverage_dir))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [*paths, env.get("PYTHONPATH", "")]))
        values = self.placeholders()
        for key, value in self.target.env.items():
            env[key] = expand(value, values, f"target.env.{key}")
        env.update(self.service_env)
        if self.label is not None:
            env.update(self.label.env())
        return env

    def cwd(self, folder: str = "") -> Path:
        return (self.root / (folder or self.target.cwd)).resolve()

    def _argv(self, name: str, command: list[str]) -> tuple[list[str], dict[str, str]]:
        values = self.placeholders()
        argv = [expand(part, values, f"target.processes.{name}.command") for part in command]
        env: dict[str, str] = {}
        if command[0] in PYTHONS:
            argv[0] = self.python
            if self.coverage_dir is not None:
                rc = covrc.rcfile(self.coverage_dir, self.target)
                argv[1:1] = ["-m", "coverage", "run", f"--rcfile={rc}"]
                env["COVERAGE_FILE"] = str(self.coverage_dir / f".coverage.{name}")
        return argv, env

    def start_process(self, name: str, wait: bool = True) -> None:
        spec = self.target.processes[name]
        argv, cov_env = self._argv(name, spec.command)
        env = self.env()
        values = self.placeholders()
        env.update(
            {k: expand(v, values, f"target.processes.{name}.env.{k}") for k, v in spec.env.items()}
        )
        env.update(cov_env)
        proc = ManagedProcess(
            name,
            argv,
            self.log_dir / f"{name}.log",
            env=env,
            cwd=self.cwd(spec.cwd),
            label=self.label,
        )
        self.procs[name] = proc
        proc.start()
        if wait and name == self.target.http_process:
            proc.wait_ready(self._ready, self.ready_timeout, f"{self.target.ready_path} answers")

    def _ready(self) -> bool:
        url = absolute(self.base_url, self.target.ready_path)
        # one client for every poll: a new one loads the CA bundle each time (60 ms a poll)
        if self._probe is None:
            self._probe = httpx.Client(timeout=1.0)
        return self._probe.get(url).status_code == self.target.ready_status

    def _setup(self, steps: list[list[str]], where: str) -> None:
        values = self.placeholders()
        for index, command in enumerate(steps):
            argv = [expand(part, values, f"{where}[{index}]") for part in command]
            if command[0] in PYTHONS:
                argv[0] = self.python
            run_step(argv, self.env(), self.cwd(), self.log_dir / "setup.log", self.ready_timeout)

    def new_credential(self, name: str, role: str = "", new: bool = True) -> str:
        """A token of a new identity (`new=False`: the stack's own, the configured one)."""
        spec = identities.through(
            self.target.auth, lambda argv: [self.python if p in PYTHONS else p for p in argv]
        )
        site = Site(self.base_url, self.placeholders(), self.env(), self.cwd(), self.ready_timeout)
        own = auth.headers(spec, self.token) if new else None
        return identities.credential(spec, site, name, role, own, self.secrets)

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        with self._lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None
            try:
                # the target's processes first (they may still write to their backing
                # services), then the services; each tier ends together, not one by one
                stop_together(self._take(list(self.target.processes)), self.stop_timeout)
                stop_together(self._take(["redis", "postgres"]), self.stop_timeout)
            finally:
                # What an interrupted start or stop lost track of still carries the label.
                if self.label is not None:
                    reap.end_run(self.label)
                    self.label = None
                if self.workdir is not None:
                    reap.remove_folder(self.workdir)
                    self.workdir = None
                pg_spares.settle()

    def _take(self, names: list[str]) -> list[ManagedProcess]:
        return [proc for name in names if (proc := self.procs.pop(name, None)) is not None]

    def tail(self, component: str) -> str:
        return log_tail(self.log_dir / f"{component}.log")
