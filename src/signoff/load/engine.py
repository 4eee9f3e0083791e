"""Runs one load profile: Locust headless in child processes (master and workers) beside a scraper.

The plan goes to Locust as a JSON file; chunks, phases, CSV stats and logs come back into the
profile's folder. Every child is in its own session and is always ended, also on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.load import recorder as wiring
from signoff.load.plan import Plan
from signoff.load.recorder import Chunk, read_chunks
from signoff.load.scrape import Scraper
from signoff.stack.interface import StackHandle
from signoff.stack.procs import free_port
from signoff.target import Metrics

# The package's own locustfile: the built-in mix, the open model and the benchmark users.
BUILTIN_LOCUSTFILE = Path(__file__).resolve().parent / "locust" / "locustfile.py"


@dataclass(frozen=True)
class Launch:
    """Where Locust runs and against what: the stack, the locustfile, what the scraper reads
    (the target's metric names; none for a benchmark) and whose memory it samples."""

    handle: StackHandle
    root: Path
    locustfile: Path = BUILTIN_LOCUSTFILE
    metrics: Metrics | None = None
    service_pid: int | None = None
    env: dict[str, str] = field(default_factory=dict)


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


def locust_argv(locustfile: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(locustfile), "--loglevel", "WARNING", *extra]


def _spawn(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _end(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_locust(
    plan: Plan,
    payload: dict[str, Any],
    folder: Path,
    launch: Launch,
    settings: dict[str, Any],
) -> LocustRun:
    """Run the plan against the handle's base URL with `settings['workers']` local workers
    (0: one process). `payload` joins the plan file (the operations the users play)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = launch.handle
    workers = int(settings["workers"])
    plan_path = folder / "plan.json"
    target = {"writes": handle.writes, "write_operations": handle.write_operations}
    document = {
        **plan.to_json(),
        **payload,
        "target": target,
        "settings": settings,
        "workers": max(workers, 1),
    }
    plan_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    for stale in (wiring.CHUNKS, wiring.PHASES, wiring.ABORT):
        (folder / stale).unlink(missing_ok=True)
    env = dict(os.environ)
    env.update(launch.env)
    env.update(
        {
            wiring.PLAN_ENV: str(plan_path),
            wiring.OUT_ENV: str(folder),
            wiring.HEADERS_ENV: json.dumps(handle.headers),
            "PYTHONUNBUFFERED": "1",
        }
    )
    root, base_url = launch.root, handle.base_url
    common = ["--headless", "-H", base_url, "--csv", str(folder / "locust"), "--csv-full-history"]
    common += ["--only-summary"]
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    scraper = Scraper(
        handle.metrics_url if launch.metrics is not None else "",
        launch.metrics or Metrics(),
        launch.service_pid,
        float(settings["scrape_interval_s"]),
    )
    timeout = plan.duration_s + float(settings["grace_s"])
    started = time.time()
    timed_out = False
    try:
        if workers > 0:
            port = free_port()
            master = [
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
                "--expect-workers",
                str(workers),
            ]
            logs.append(folder / "locust-master.log")
            procs.append(
                _spawn(locust_argv(launch.locustfile, *common, *master), env, logs[0], root)
            )
            for index in range(workers):
                log = folder / f"locust-worker-{index + 1}.log"
                logs.append(log)
                worker = ["--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
                procs.append(_spawn(locust_argv(launch.locustfile, *worker), env, log, root))
        else:
            logs.append(folder / "locust.log")
            procs.append(_spawn(locust_argv(launch.locustfile, *common), env, logs[0], root))
        scraper.start()
        try:
            procs[0].wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
    finally:
        for proc in procs:
            _end(proc)
        if scraper.is_alive():
            scraper.stop()
    abort_path = folder / wiring.ABORT
    abort = json.loads(abort_path.read_text(encoding="utf-8")) if abort_path.is_file() else None
    return LocustRun(
        folder=folder,
        returncode=procs[0].returncode if procs else None,
        timed_out=timed_out,
        chunks=read_chunks(folder / wiring.CHUNKS),
        scraper=scraper,
        abort=abort,
        logs=logs,
        started=started,
        finished=time.time(),
    )
