"""Wires signoff's recording into a Locust process: the plan, the target, request events, chunks,
phases and the early stop.

`setup()` calls `install()` once. A standalone process records and collects; a worker records and
sends its chunks to the master as custom messages; the master collects them. A worker asks the
master for the plan as it starts, so workers on other machines need nothing but the package, the
credential and a route to the master. Every chunk carries its process's CPU seconds.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from signoff.load.arrivals import latency_ms
from signoff.load.live import LiveJudge, PhaseClock
from signoff.load.mix import MixOperation, Workload, from_json
from signoff.load.plan import settings_of
from signoff.load.recorder import (
    ABORT,
    CHUNKS,
    HEADERS_ENV,
    OUT_ENV,
    PHASES,
    PLAN_ENV,
    WORKER_ENV,
    Chunk,
    ChunkFile,
    IntervalRecorder,
)
from signoff.stack.interface import StackHandle

MESSAGE = "signoff_chunk"
PLAN_REQUEST = "signoff_plan_request"
PLAN = "signoff_plan"


class State:
    """What this process knows: the plan, the target, its recorder, and on the collector the
    live judge."""

    def __init__(self) -> None:
        self.plan: dict[str, Any] = {}
        self.handle = StackHandle(provider="locust", base_url="")
        self.operations: list[MixOperation] | None = None
        self.out: Path | None = None
        self.recorder: IntervalRecorder | None = None
        self.clock = PhaseClock(None)
        self.judge: LiveJudge | None = None
        self.collect: ChunkFile | None = None
        self._flusher: gevent.Greenlet | None = None
        # what `setup()` does with a plan (users, shape); run again when the master sends one
        self.configure: Callable[[dict[str, Any]], None] = lambda plan: None

    def on_chunk(self, chunk: Chunk) -> None:
        if self.collect is not None:
            self.collect(chunk)
        if self.judge is not None:
            self.judge.add(chunk)
            if self.judge.abort is not None and self.out is not None:
                write_abort(self.out, self.judge.abort)

    def record(self, name: str, ms: float, failed: bool) -> None:
        if self.recorder is not None:
            self.recorder.record(name, ms, failed)


STATE = State()


def load_plan() -> dict[str, Any]:
    """The plan the engine wrote; without one (a hand-started locust), the smoke profile (or
    SIGNOFF_LOAD_PROFILE) of the project's configuration."""
    path = os.environ.get(PLAN_ENV)
    if path:
        plan: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        return plan
    from signoff import config
    from signoff.load.plan import build

    cfg = config.load()
    profile = os.environ.get("SIGNOFF_LOAD_PROFILE", "smoke")
    built = build(cfg.load, profile, "pr").to_json()
    stack = cfg.stack
    target = {"writes": stack.url_writes, "write_operations": list(stack.url_write_operations)}
    return {**built, "settings": config.to_table(cfg.load), "target": target, "workers": 1}


def _headers() -> dict[str, str]:
    """The engine hands the target's headers over in the environment; started by hand, they
    come from the target's token variable (e.g. SIGNOFF_TOKEN)."""
    given = os.environ.get(HEADERS_ENV)
    if given:
        headers: dict[str, str] = json.loads(given)
        return headers
    from signoff import config
    from signoff.stack import auth

    target = config.load().target
    return auth.headers(target.auth, os.environ.get(target.auth.token_env, ""))


def write_abort(out: Path, abort: dict[str, Any]) -> None:
    path = out / ABORT
    if not path.exists():
        path.write_text(json.dumps(abort), encoding="utf-8")


def install(plan: dict[str, Any]) -> State:
    adopt(plan)
    hooks: Any = events  # Locust's event hooks are not typed
    hooks.init.add_listener(_on_init)
    hooks.request.add_listener(_on_request)
    hooks.test_start.add_listener(_on_test_start)
    hooks.test_stop.add_listener(_on_test_stop)
    return STATE


def adopt(plan: dict[str, Any]) -> None:
    """Make `plan` this process's plan: target, operations, and what `setup()` configures."""
    STATE.plan = plan
    target = plan.get("target", {})
    STATE.handle = StackHandle(
        provider="locust",
        headers=_headers(),
        writes=bool(target.get("writes", True)),
        write_operations=list(target.get("write_operations", [])),
        base_url=STATE.handle.base_url,
    )
    if "operations" in plan:
        STATE.operations = [from_json(op) for op in plan["operations"]]
    STATE.configure(plan)


def operations() -> list[MixOperation]:
    """The operations the package's users play: from the plan, or (started by hand without a
    plan) chosen here as the engine would, from the configuration or the OpenAPI document."""
    if STATE.operations is None:
        from signoff import config, openapi

        cfg = config.load()
        handle = STATE.handle
        workload = Workload(
            settings_of(STATE.plan),
            handle.may_send,
            lambda: openapi.fetch(replace(handle, openapi=cfg.target.openapi), cfg.root),
            cfg.target.api_prefix,
        )
        STATE.operations = workload.operations(str(STATE.plan.get("mode", "closed")), True)
    return STATE.operations


def _on_init(environment: Environment, **_: Any) -> None:
    STATE.handle = replace(STATE.handle, base_url=str(environment.host or "").rstrip("/"))
    runner = environment.runner
    out_dir = os.environ.get(OUT_ENV)
    if isinstance(runner, WorkerRunner):
        worker = os.environ.get(WORKER_ENV) or f"{socket.gethostname()}-{os.getpid()}"
        STATE.recorder = IntervalRecorder(
            worker, lambda c: runner.send_message(MESSAGE, c), cpu=time.process_time
        )
        runner.register_message(PLAN, lambda msg, **_kw: adopt(msg.data))
        runner.send_message(PLAN_REQUEST, {"worker": worker})
        return
    if not out_dir:
        return
    STATE.out = Path(out_dir)
    STATE.out.mkdir(parents=True, exist_ok=True)
    STATE.collect = ChunkFile(STATE.out / CHUNKS)
    STATE.clock = PhaseClock(STATE.out / PHASES)
    STATE.judge = LiveJudge(STATE.plan, settings_of(STATE.plan), STATE.clock)
    if isinstance(runner, MasterRunner):
        runner.register_message(MESSAGE, lambda msg, **_kw: STATE.on_chunk(msg.data))
        runner.register_message(
            PLAN_REQUEST,
            lambda msg, **_kw: runner.send_message(PLAN, STATE.plan, client_id=msg.node_id),
        )
    else:
        STATE.recorder = IntervalRecorder("local", STATE.on_chunk, cpu=time.process_time)


def _on_request(
    request_type: str,
    name: str,
    response_time: float,
    exception: BaseException | None = None,
    context: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    intended = (context or {}).get("intended")
    # The open model counts from the intended start, so time spent waiting to be sent counts.
    ms = latency_ms(float(intended), time.time()) if intended is not None else response_time
    STATE.record(name, ms, exception is not None)


def _flush_forever() -> None:
    while True:
        gevent.sleep(1.0)
        if STATE.recorder is not None:
            STATE.recorder.flush()


def _on_test_start(environment: Environment, **_: Any) -> None:
    if STATE.recorder is not None and STATE._flusher is None:
        STATE._flusher = gevent.spawn(_flush_forever)


def _on_test_stop(environment: Environment, **_: Any) -> None:
    if STATE._flusher is not None:
        STATE._flusher.kill(block=False)
        STATE._flusher = None
    if STATE.recorder is not None:
        STATE.recorder.flush(final=True)
    STATE.clock.close()
