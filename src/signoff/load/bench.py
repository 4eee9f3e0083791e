"""Benchmarks that print figures: the stall demonstration, and the pieces `bench load`
(`ceiling.py`) shares with it: the benchmarked operation, plans, HDR figures, wrk.

bench-stall: one 1 s stall (`[load.bench] stall_request`, with the service started with
`stall_env`) in the middle of a fixed-rate run; Locust's closed model at a fixed pace reports a
p99 that hides it, the open model (latency from intended start) shows it.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from signoff import config as config_mod
from signoff import openapi
from signoff.config import LoadSettings
from signoff.errors import ConfigError, StackError
from signoff.load import analysis, hdr
from signoff.load.engine import Launch, LocustRun, run_locust
from signoff.load.mix import MixOperation, Workload
from signoff.load.plan import Plan, Stage
from signoff.load.recorder import PHASES
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider
from signoff.target import expand


def load_settings(cfg: config_mod.Config, workers: int) -> LoadSettings:
    """The load section for a benchmark run: `workers` generator processes, no early abort."""
    return dataclasses.replace(cfg.load, workers=workers, abort_on_fail=False)


def bench_endpoint(
    cfg: config_mod.Config, handle: StackHandle, folder: Path
) -> tuple[MixOperation, str]:
    """The benchmarked operation and the URL path it is sent to."""
    workload = Workload(
        cfg.load,
        handle.may_send,
        lambda: openapi.fetch(handle, cfg.root, folder / "openapi.json"),
        cfg.target.api_prefix,
    )
    op = workload.bench()
    url = op.url({})
    if url is None:
        raise ConfigError(
            f"The benchmarked operation {op.name} has placeholders without values.",
            hint="give them `params` in a [tool.signoff.load.mix] operation of that name, or "
            "name another [tool.signoff.load.bench] endpoint.",
        )
    return op, url


def _payload(op: MixOperation) -> dict[str, Any]:
    return {"operations": [op.to_json()]}


def stage_plan(name: str, mode: str, stage: Stage) -> Plan:
    return Plan(profile=name, mode=mode, stages=[stage], budgets={stage.phase: {}})


def hdr_figures(run: LocustRun) -> dict[str, Any]:
    last = max((int(c["second"]) + 1 for c in run.chunks), default=None)
    windows = analysis.read_windows(run.folder / PHASES, float(last) if last else run.finished)
    result = analysis.analyse(run.chunks, windows)
    total = hdr.new()
    dropped = 0
    for cells in result.cells.values():
        if analysis.ALL in cells:
            total.add(cells[analysis.ALL].histogram)
            dropped += cells[analysis.ALL].dropped
    span = sum(w.duration_s for w in windows) or 1.0
    figures = hdr.summary_ms(total)
    figures["p90_ms"] = hdr.percentile_ms(total, 90.0)
    figures["rps"] = int(total.get_total_count()) / span
    figures["dropped"] = dropped
    return figures


def _locust_native(run: LocustRun) -> dict[str, float]:
    """Locust's own Aggregated row (its rounded percentiles, latency from the actual send)."""
    with (run.folder / "locust_stats.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return {
                    "p50_ms": float(row["50%"]),
                    "p90_ms": float(row["90%"]),
                    "p99_ms": float(row["99%"]),
                    "rps": float(row["Requests/s"]),
                    "count": float(row["Request Count"]),
                }
    return {}


def parse_wrk(text: str) -> dict[str, float]:
    """Requests/sec and the latency distribution of `wrk --latency` output, in milliseconds."""
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    figures: dict[str, float] = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        figures[f"p{pct}_ms"] = float(value) * units[unit]
    found = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if found:
        figures["rps"] = float(found.group(1))
    total = re.search(r"(\d+) requests in", text)
    if total:
        figures["count"] = float(total.group(1))
    return figures


def _row(name: str, f: dict[str, Any]) -> str:
    def ms(key: str) -> str:
        value = f.get(key)
        return f"{value:9.2f}" if value is not None else f"{'-':>9}"

    return f"{name:<44} {f.get('rps', 0.0):10.1f} {ms('p50_ms')} {ms('p90_ms')} {ms('p99_ms')}"


def _header() -> str:
    return f"{'generator':<44} {'req/s':>10} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9}"


def _stall(handle: StackHandle, request: str, seconds: float) -> httpx.Response:
    """Ask the service to stall for `seconds` through `[load.bench] stall_request`."""
    text = expand(request, {"seconds": f"{seconds:g}"}, "load.bench.stall_request")
    method, _, path = text.partition(" ")
    url = handle.base_url + path
    return httpx.request(method, url, headers=handle.headers, timeout=5)


def _inject_stall(
    handle: StackHandle, request: str, folder: Path, after_s: float, seconds: float
) -> threading.Thread:
    def fire() -> None:
        deadline = time.time() + 60
        while not (folder / PHASES).exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(after_s)
        _stall(handle, request, seconds)

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def bench_stall(
    cfg: config_mod.Config, seconds: int = 20, rate: float = 100.0, users: int = 10
) -> int:
    """One 1 s stall in the middle of two fixed-rate runs: closed model vs open model."""
    request = _stall_request(cfg)
    folder = Path(tempfile.mkdtemp(prefix="signoff-bench-stall-"))
    settings = load_settings(cfg, 0)
    figures: dict[str, dict[str, Any]] = {}
    env = cfg.load.bench.environment()
    with choose_provider(cfg, folder / "stack-logs", "local", service_env=env) as handle:
        op, _ = bench_endpoint(cfg, handle, folder)
        probe = _stall(handle, request, 0.01)
        if probe.status_code >= 400:
            raise StackError(
                f"The service did not stall: {request} answered {probe.status_code}.",
                hint="check [tool.signoff.load.bench] stall_request and stall_env.",
            )
        for mode in ("paced", "open"):
            stage = Stage(
                "steady",
                float(seconds),
                users=users,
                spawn_rate=float(users),
                rate=rate,
                rate_end=rate,
            )
            out = folder / mode
            out.mkdir(parents=True, exist_ok=True)
            injector = _inject_stall(handle, request, out, seconds / 2, 1.0)
            locust_run = run_locust(
                stage_plan(f"stall-{mode}", mode, stage),
                _payload(op),
                out,
                Launch(handle, cfg.root),
                settings,
            )
            injector.join(timeout=5)
            figures[f"{mode} hdr"] = hdr_figures(locust_run)
            figures[f"{mode} locust"] = _locust_native(locust_run)
    print(
        f"bench-stall: {op.name} at {rate:g} req/s for {seconds} s, "
        f"one 1 s stall at {seconds / 2:g} s"
    )
    return 0 if _print_stall(figures, users, folder) else 1


def _stall_request(cfg: config_mod.Config) -> str:
    request = cfg.load.bench.stall_request
    if not request:
        raise ConfigError(
            "bench stall needs a way to make the service stall for a moment.",
            hint='set [tool.signoff.load.bench] stall_request ("POST /path?seconds={seconds}") '
            'and, if the service must be started to allow it, stall_env (["NAME=value"]).',
        )
    return request


def _print_stall(figures: dict[str, dict[str, Any]], users: int, folder: Path) -> bool:
    """The four views of the stalled runs; True when the stall shows only in the open model."""
    print(_header())
    print(_row(f"closed model, Locust's own stats ({users} paced users)", figures["paced locust"]))
    print(_row("closed model, signoff HDR (from actual send)", figures["paced hdr"]))
    print(_row("open model, Locust's own stats (from actual send)", figures["open locust"]))
    print(_row("open model, signoff HDR (from intended start)", figures["open hdr"]))
    print(f"open-model requests dropped: {figures['open hdr']['dropped']}")
    closed, opened = (
        figures["paced locust"].get("p99_ms", 0.0),
        figures["open hdr"].get("p99_ms") or 0.0,
    )
    shown = opened >= 500.0 and closed < 500.0
    print(
        f"p99: closed model (Locust) {closed:.0f} ms, open model {opened:.0f} ms -> "
        f"{'the stall shows only in the open model' if shown else 'UNEXPECTED: see the runs'}"
        f"; runs in {folder}"
    )
    return shown
