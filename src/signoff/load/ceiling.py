"""`signoff bench load`: the ceiling of signoff's load generator (0, 1, 2 workers) beside wrk's,
on a target that is not the bottleneck and on the service.

The static target is nginx when it is installed (else `signoff.load.static`), answering a fixed
response on loopback. Each target gets `repeats` rounds; odd rounds run wrk first, even ones
last, and every ratio is taken against the wrk run of the same round. A count is divided by its
own measured duration: wrk's by the time it reports, the generator's by the whole seconds in
which it sent (the seconds of starting and stopping left out). CPU per request: the generator's
processes from their own readings and the master's samples; wrk's from its rusage.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from signoff import config as config_mod
from signoff.children import end_group, run_measured, spawn
from signoff.errors import ConfigError, StackError
from signoff.load import bench
from signoff.load.engine import Launch, LocustRun, run_locust
from signoff.load.mix import MixOperation, parse
from signoff.load.plan import Stage
from signoff.stack.interface import StackHandle
from signoff.stack.procs import free_port, port_open
from signoff.stack.select import choose_provider

NGINX_CONF = """daemon off; worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; client_body_temp_path {dir}; proxy_temp_path {dir};
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }} }}
"""


@contextmanager
def static_target(folder: Path) -> Iterator[tuple[str, str]]:
    """(base URL, what serves it): nginx with one worker process, else the package's server."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )
    if nginx:
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=folder, port=port), encoding="utf-8")
        argv, what = [nginx, "-c", str(conf), "-p", str(folder)], "nginx, 1 worker process"
    else:
        argv = [sys.executable, "-m", "signoff.load.static", "127.0.0.1", str(port)]
        what = "signoff.load.static (asyncio; nginx is not installed)"
    with (folder / "static.log").open("ab") as log:
        proc = spawn(argv, stdout=log)
    try:
        deadline = time.monotonic() + 10
        while not port_open(port) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not port_open(port):
            raise StackError(f"The static target ({what}) did not start; see {folder}.")
        yield f"http://127.0.0.1:{port}", what
    finally:
        end_group(proc, signal.SIGTERM, 5.0)


def generator(
    handle: StackHandle,
    op: MixOperation,
    seconds: int,
    users: int,
    workers: int,
    cfg: config_mod.Config,
    folder: Path,
) -> dict[str, Any]:
    stage = Stage("peak", float(seconds), users=users, spawn_rate=float(users))
    run = run_locust(
        bench.stage_plan("bench-load", "peak", stage),
        {"operations": [op.to_json()]},
        folder,
        Launch(handle, cfg.root),
        bench.load_settings(cfg, workers),
    )
    figures = bench.hdr_figures(run)
    figures.update(_own_rate(run))
    return figures


def _own_rate(run: LocustRun) -> dict[str, float]:
    """Requests per second over the whole seconds in which requests were sent, and the
    generator's CPU milliseconds per request."""
    per_second: dict[int, int] = {}
    readings: dict[str, list[float]] = {}
    for chunk in run.chunks:
        count = sum(int(e["count"]) for e in chunk["endpoints"].values())
        if count:
            per_second[int(chunk["second"])] = per_second.get(int(chunk["second"]), 0) + count
        if chunk.get("cpu"):
            readings.setdefault(str(chunk["worker"]), []).append(float(chunk["cpu"][1]))
    cpu_s = sum(max(r) - min(r) for r in readings.values())
    if run.master_cpu and len(run.master_cpu) > 1:
        cpu_s += run.master_cpu[-1][1] - run.master_cpu[0][1]
    seconds = sorted(per_second)[1:-1]  # the first and last second are partial
    total = sum(per_second.values())
    out = {"count": float(total), "cpu_ms_per_request": cpu_s * 1000.0 / total if total else 0.0}
    out["rps"] = sum(per_second[s] for s in seconds) / len(seconds) if seconds else 0.0
    return out


def wrk(handle: StackHandle, url: str, seconds: int, connections: int) -> dict[str, float]:
    """wrk's figures, its count over its own duration, and its CPU per request."""
    if shutil.which("wrk") is None:
        raise StackError("wrk was not found.", hint="apt-get install -y wrk")
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in handle.headers.items():
        argv += ["-H", f"{name}: {value}"]
    done = run_measured([*argv, handle.base_url + url])
    text = done.stdout
    figures = bench.parse_wrk(text)
    if "rps" not in figures or not figures.get("count"):
        raise StackError(f"wrk printed no figures: {text[-300:]}")
    figures["cpu_ms_per_request"] = done.cpu_s * 1000.0 / figures["count"]
    return figures


def _round(
    target: str,
    handle: StackHandle,
    op: MixOperation,
    url: str,
    index: int,
    args: dict[str, Any],
    cfg: config_mod.Config,
    folder: Path,
) -> list[tuple[str, dict[str, Any]]]:
    seconds, users = int(args["seconds"]), int(args["users"])
    tools: list[str] = ["wrk", *(f"signoff {w} worker(s)" for w in args["workers"])]
    order = tools if index % 2 else list(reversed(tools))
    rows: list[tuple[str, dict[str, Any]]] = []
    for tool in order:
        if tool == "wrk":
            rows.append((tool, wrk(handle, url, seconds, users)))
        else:
            workers = int(tool.split()[1])
            out = folder / f"{target}-{index}-{workers}w"
            rows.append((tool, generator(handle, op, seconds, users, workers, cfg, out)))
    reference = next(f for t, f in rows if t == "wrk")["rps"]
    for _, figures in rows:
        figures["ratio"] = figures["rps"] / reference if reference else float("nan")
    return rows


def _print(target: str, what: str, rounds: list[list[tuple[str, dict[str, Any]]]]) -> None:
    print(f"\n{target}: {what}")
    print(
        f"{'round':<6}{'tool':<24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'CPU ms/req':>12}{'x wrk':>8}"
    )
    for index, rows in enumerate(rounds, start=1):
        order = "wrk first" if rows[0][0] == "wrk" else "wrk last"
        for tool, f in rows:
            print(
                f"{index:<6}{tool:<24}{f['rps']:>10.1f}{f.get('p50_ms') or 0:>9.2f}"
                f"{f.get('p99_ms') or 0:>9.2f}{f['cpu_ms_per_request']:>12.3f}"
                f"{f['ratio']:>8.3f}  {order}"
            )
    for tool in [t for t, _ in rounds[0]]:
        ratios = [f["ratio"] for rows in rounds for t, f in rows if t == tool]
        cpu = [f["cpu_ms_per_request"] for rows in rounds for t, f in rows if t == tool]
        print(
            f"  {tool:<24} x wrk: median {statistics.median(ratios):.3f} "
            f"(range {min(ratios):.3f}-{max(ratios):.3f}); CPU ms/req median "
            f"{statistics.median(cpu):.3f}"
        )


def bench_load(
    cfg: config_mod.Config,
    seconds: int = 10,
    users: int = 50,
    repeats: int = 2,
    workers: tuple[int, ...] = (0, 1, 2),
) -> int:
    """Both targets, `repeats` rounds each, both orders; prints every run and the ratios."""
    if repeats < 1 or seconds < 3:
        raise ConfigError("bench load needs --repeats >= 1 and --seconds >= 3.")
    folder = Path(tempfile.mkdtemp(prefix="signoff-bench-load-"))
    args = {"seconds": seconds, "users": users, "workers": workers}
    print(
        f"bench-load: {seconds} s per run, {users} users / connections, rounds of "
        f"{len(workers) + 1} runs in alternating order; runs in {folder}"
    )
    found = 0
    with static_target(folder / "static") as (base_url, what):
        handle = StackHandle(provider="url", base_url=base_url)
        op = parse([{"name": "GET /"}])[0]
        rounds = [_round("static", handle, op, "/", i, args, cfg, folder) for i in range(repeats)]
    _print("static target", what, rounds)
    found += sum(int(f.get("count", 0)) for rows in rounds for _, f in rows)
    with choose_provider(cfg, folder / "stack-logs", "local") as handle:
        op, url = bench.bench_endpoint(cfg, handle, folder)
        if op.method != "GET":
            raise ConfigError(
                f"bench load compares with wrk, which sends GET requests; {op.name} is not one.",
                hint="name a GET operation in [tool.signoff.load.bench] endpoint.",
            )
        httpx.get(handle.base_url + url, headers=handle.headers, timeout=5)
        rounds = [_round("service", handle, op, url, i, args, cfg, folder) for i in range(repeats)]
    _print(f"the service, {op.name}", "the embedded stack", rounds)
    return 0 if found and all(f.get("count") for rows in rounds for _, f in rows) else 1
