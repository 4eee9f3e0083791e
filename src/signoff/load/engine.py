"""Runs one load profile: Locust in child processes (master and workers) beside a scraper and
the CPU samplers of the master and the service.

The plan goes to Locust as a JSON file; chunks, phases, CSV stats and logs come back into the
profile's folder. Workers may also run on other hosts (`[load] remote_workers`): the master
listens on `master_bind`:`master_port` and sends each worker the plan. Every child is in its own
session and is always ended, also on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.children import Popen, TimeoutExpired, end_group, run_child, spawn
from signoff.config import LoadSettings, to_table
from signoff.errors import ConfigError
from signoff.load import recorder as wiring
from signoff.load.cpu import CpuSampler, Series
from signoff.load.generators import MASTER
from signoff.load.plan import Plan
from signoff.load.recorder import Chunk, read_chunks
from signoff.load.scrape import Scraper
from signoff.machine import MachineSampler
from signoff.stack.interface import StackHandle
from signoff.stack.procs import free_port
from signoff.target import Metrics

# The package's own locustfile: the built-in mix, the open model and the benchmark users.
BUILTIN_LOCUSTFILE = Path(__file__).resolve().parent / "locust" / "locustfile.py"


@dataclass(frozen=True)
class Launch:
    """Where Locust runs and against what: the stack, the locustfile, what the scraper reads
    (the target's metric names; none for a benchmark), whose memory it samples and whose CPU
    (the service's processes by component name, each with its children)."""

    handle: StackHandle
    root: Path
    locustfile: Path = BUILTIN_LOCUSTFILE
    metrics: Metrics | None = None
    service_pid: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    service_pids: dict[str, int] = field(default_factory=dict)
    # Locust's web UI on loopback instead of headless: the same plan, recording and record
    ui: bool = False


def locustfile(root: Path, setting: str) -> Path:
    """The `[load] locustfile` (relative to the project root), or the package's own for ""."""
    return root / setting if setting else BUILTIN_LOCUSTFILE


@dataclass
class LocustRun:
    """What a finished Locust run left behind."""

    folder: Path
    returncode: int | None
    timed_out: bool
    chunks: list[Chunk]
    scraper: Scraper
    abort: dict[str, Any] | None
    logs: list[Path] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    master_cpu: Series | None = None
    service_cpu: dict[str, Series] = field(default_factory=dict)
    expected_workers: int = 0
    machine: MachineSampler | None = None  # how busy the machine was, the run's own CPU aside


def locust_argv(locustfile: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(locustfile), "--loglevel", "WARNING", *extra]


def _spawn(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> Popen[bytes]:
    with log.open("ab") as out:
        return spawn(argv, cwd=cwd, env=env, stdout=out)


def _end(proc: Popen[bytes], timeout: float = 10.0) -> None:
    end_group(proc, signal.SIGTERM, timeout)


def _master_address(settings: LoadSettings) -> tuple[str, int]:
    return settings.master_bind, settings.master_port or free_port()


def _front(ui: bool, folder: Path) -> list[str]:
    """Headless, or Locust's web UI on loopback, started at once and quit when the plan ends:
    the same shape, recording and record either way."""
    csv = ["--csv", str(folder / "locust"), "--csv-full-history", "--only-summary"]
    if not ui:
        return ["--headless", *csv]
    port = free_port()
    (folder / "web-ui.url").write_text(f"http://127.0.0.1:{port}/\n", encoding="utf-8")
    print(f"Locust's web UI: http://127.0.0.1:{port}/ (until the run ends)", file=sys.stderr)
    web = ["--web-host", "127.0.0.1", "--web-port", str(port), "--autostart", "--autoquit", "3"]
    return [*web, *csv]


def run_locust(
    plan: Plan,
    payload: dict[str, Any],
    folder: Path,
    launch: Launch,
    settings: LoadSettings,
) -> LocustRun:
    """Run the plan against the handle's base URL with `settings.workers` local workers and
    `settings.remote_workers` started elsewhere (none of either: one process). `payload`
    joins the plan file (the operations the users play)."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = settings.workers + settings.remote_workers
    plan_path = _write_plan(plan, payload, folder, launch, settings, expected)
    env = _environment(launch, plan_path, folder)
    common = [*_front(launch.ui, folder), "-H", launch.handle.base_url]
    interval = settings.scrape_interval_s
    scraper = _scraper(launch, interval)
    service = CpuSampler(launch.service_pids, interval)
    # ours: signoff with its Locust processes, and the stack's processes wherever they hang
    machine = MachineSampler([os.getpid(), *launch.service_pids.values()], interval)
    timeout = plan.duration_s + settings.grace_s
    started = time.time()
    timed_out = False
    children = _Children()
    try:
        _start(children, launch, settings, common, env, folder)
        for thread in (scraper, service, children.master, machine):
            if thread is not None:
                thread.start()
        try:
            children.procs[0].wait(timeout)
        except TimeoutExpired:
            timed_out = True
    finally:
        for proc in children.procs:
            _end(proc)
        for thread in (scraper, service, children.master, machine):
            if thread is not None and thread.is_alive():
                thread.stop()
    abort_path = folder / wiring.ABORT
    abort = json.loads(abort_path.read_text(encoding="utf-8")) if abort_path.is_file() else None
    return LocustRun(
        folder=folder,
        returncode=children.procs[0].returncode if children.procs else None,
        timed_out=timed_out,
        chunks=read_chunks(folder / wiring.CHUNKS),
        scraper=scraper,
        abort=abort,
        logs=children.logs,
        started=started,
        finished=time.time(),
        master_cpu=children.master.series[MASTER] if children.master is not None else None,
        service_cpu=service.series,
        expected_workers=expected,
        machine=machine,
    )


def _scraper(launch: Launch, interval: float) -> Scraper:
    """The service's metrics page (none for a benchmark) and its memory, every `interval`."""
    url = launch.handle.metrics_url if launch.metrics is not None else ""
    return Scraper(url, launch.metrics or Metrics(), launch.service_pid, interval)


def _write_plan(
    plan: Plan,
    payload: dict[str, Any],
    folder: Path,
    launch: Launch,
    settings: LoadSettings,
    expected: int,
) -> Path:
    """The plan file Locust reads, written fresh, with a previous attempt's outputs removed."""
    handle = launch.handle
    plan_path = folder / "plan.json"
    target = {"writes": handle.writes, "write_operations": handle.write_operations}
    document = {
        **plan.to_json(),
        **payload,
        "target": target,
        "settings": to_table(settings),
        "workers": max(expected, 1),
    }
    plan_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    for stale in (wiring.CHUNKS, wiring.PHASES, wiring.ABORT):
        (folder / stale).unlink(missing_ok=True)
    return plan_path


def _environment(launch: Launch, plan_path: Path, folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(launch.env)
    env.update(
        {
            wiring.PLAN_ENV: str(plan_path),
            wiring.OUT_ENV: str(folder),
            wiring.HEADERS_ENV: json.dumps(launch.handle.headers),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass
class _Children:
    """The Locust processes of a run and their logs, as far as they started: every one that
    started is ended, also when a later one fails to start. The first is the master (or the
    only process)."""

    procs: list[Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    master: CpuSampler | None = None


def _start(
    children: _Children,
    launch: Launch,
    settings: LoadSettings,
    common: list[str],
    env: dict[str, str],
    folder: Path,
) -> None:
    """A master with its local workers (and a word on the remote ones it waits for), or one
    process when no worker is asked for."""
    root, procs, logs = launch.root, children.procs, children.logs
    expected = settings.workers + settings.remote_workers
    if expected <= 0:
        logs.append(folder / "locust.log")
        procs.append(_spawn(locust_argv(launch.locustfile, *common), env, logs[0], root))
        return
    host, port = _master_address(settings)
    argv = ["--master", "--master-bind-host", host, "--master-bind-port", str(port)]
    argv += ["--expect-workers", str(expected)]
    logs.append(folder / "locust-master.log")
    procs.append(_spawn(locust_argv(launch.locustfile, *common, *argv), env, logs[0], root))
    children.master = CpuSampler({MASTER: procs[0].pid}, settings.scrape_interval_s)
    if expected > settings.workers:
        print(
            f"The Locust master waits for {expected - settings.workers} more worker(s) at "
            f"{host}:{port}: start each with `signoff load-worker --master "
            f"<this host>:{port}`.",
            file=sys.stderr,
        )
    for index in range(settings.workers):
        log = folder / f"locust-worker-{index + 1}.log"
        logs.append(log)
        worker = worker_argv(launch.locustfile, "127.0.0.1", port)
        procs.append(_spawn(worker, env, log, root))


def worker_argv(locustfile: Path | None, host: str, port: int) -> list[str]:
    """A Locust worker of `host:port`; without a locustfile it takes the master's (`-f -`)."""
    source = str(locustfile) if locustfile is not None else "-"
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        source,
        "--loglevel",
        "WARNING",
        "--worker",
        "--master-host",
        host,
        "--master-port",
        str(port),
    ]


def run_worker(master: str, root: Path, name: str, locustfile: Path | None) -> int:
    """`signoff load-worker`: one Locust worker in the foreground until its master ends the
    run. It takes the plan from the master; the credential from the target's token variable."""
    host, sep, port = master.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ConfigError(
            f"--master must be HOST:PORT, not {master!r}.",
            hint="use the address the master printed, e.g. --master 10.0.0.5:5557.",
        )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if name:
        env[wiring.WORKER_ENV] = name
    return run_child(worker_argv(locustfile, host, int(port)), root, env)
