"""`signoff compare --mode split`: both builds up at once, one load generator, every request
sent to one of them at random.

Measured on a 2-core machine, the whole service's speed moved 8-11 % between two runs of one
build, interleaved or side by side, while the two sides of one split run differed by about 2 %:
what the machine and the generator do during a run falls on both builds request by request,
and only each stack's own noise is left. Each pair of runs is one split run; each side's part
of it is written as an ordinary load run directory (samples, record), so the judge
and the report read it like any other.

The generator is the package's open model (`signoff.load.arrivals`) in its asyncio mode: the
load profile's arrival rate for each build, the operations of `[load.open]` (or the mix),
latency counted from the intended start. A project locustfile is not played; its data
seeding with it: `[compare] seed` is sent to each build before the load instead.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from signoff import openapi
from signoff.campaign.side import LABEL
from signoff.config import Config, LoadOpen
from signoff.errors import ConfigError, EvidenceError, SignoffError
from signoff.judge import series
from signoff.layers.run import error_record
from signoff.load import arrivals
from signoff.load import plan as plan_mod
from signoff.load.mix import Answer, MixOperation, Workload, answered, pick, seed
from signoff.records import Check, Clock, LayerRecord, Status, judge, write_record
from signoff.report.model import write_plan
from signoff.rundir import layer_dir
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider

LAYER = "load"
Chosen = tuple["Side", MixOperation, str]


@dataclass
class Side:
    """One build's stack and what the generator measured of it."""

    run: Path
    handle: StackHandle
    saved: dict[str, str] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # place -> arrivals not sent in time

    def request(self, op: MixOperation, url: str) -> dict[str, Any]:
        """The keywords of httpx's `request` that send `op` to this side."""
        headers = {**self.handle.headers, **op.headers}
        url = self.handle.base_url + url
        return {"method": op.method, "url": url, "headers": headers, "json": op.json}


async def _send(
    client: httpx.AsyncClient, profile: str, arrival: arrivals.Arrival, chosen: Chosen
) -> None:
    side, op, url = chosen
    key = series.key(op.name, f"{profile}/{arrival.phase}")
    try:
        response = await client.request(**side.request(op, url))
        ok = response.status_code < 400
    except httpx.HTTPError:
        ok, response = False, None
    finished = time.perf_counter()
    if not ok:
        side.errors[key] = side.errors.get(key, 0) + 1
        return
    side.samples.setdefault(key, []).append(arrivals.latency_ms(arrival.intended, finished))
    if response is not None:
        answered(op, response.status_code, response.json, side.saved)


def _seed(side: Side, ops: Sequence[MixOperation], timeout: float) -> None:
    """`[compare] seed`: each operation sent once to the side, in order, before the load; the
    values it saves fill the placeholders of the measured requests."""

    def send(op: MixOperation, url: str) -> Answer:
        try:
            response = client.request(**side.request(op, url))
        except httpx.HTTPError as exc:
            raise EvidenceError(f"The seed request {op.name} failed: {exc}.") from exc
        return Answer(response.status_code, response.text, response.json)

    with httpx.Client(timeout=timeout, trust_env=False) as client:
        seed(ops, send, side.saved, side.handle.base_url)


async def play(
    plan: plan_mod.Plan, ops: Sequence[MixOperation], sides: Sequence[Side], limits: LoadOpen
) -> None:
    """The plan's arrivals for every side, each arrival to one side: in blocks of one arrival
    per side in random order, so each side gets the same number at the same moments."""
    in_flight = limits.max_in_flight
    pool = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)

    def chosen(arrival: arrivals.Arrival) -> Chosen | None:
        side = sides[arrival.target]
        ready = pick(ops, side.saved)
        return None if ready is None else (side, *ready)

    def drop(arrival: arrivals.Arrival, _: Chosen | None) -> None:
        side, place = sides[arrival.target], f"{plan.profile}/{arrival.phase}"
        side.dropped[place] = side.dropped.get(place, 0) + 1

    stages = [asdict(stage) for stage in plan.stages]
    async with httpx.AsyncClient(timeout=limits.max_lag_s, limits=pool, trust_env=False) as client:
        schedule = arrivals.schedule(stages, time.perf_counter() + 0.2, len(sides), len(sides))
        send = functools.partial(_send, client, plan.profile)
        await arrivals.play_async(schedule, limits, chosen, send, drop)


def _unsent(side: Side, ops: Sequence[MixOperation]) -> list[Check]:
    """An operation never sent to a side (its placeholders got no value) was declared and not
    measured: inconclusive, not silently left out."""
    sent = {k.partition(series.SEP)[0] for k in [*side.samples, *side.errors]}
    return [
        Check(
            f"{op.name}: sent",
            Status.INCONCLUSIVE,
            0,
            1,
            ">=",
            "",
            f"{op.name} was never sent: no value for {', '.join(op.placeholders)} "
            "(give it params, or save it from an earlier operation's answer).",
        )
        for op in ops
        if op.name not in sent
    ]


def _generator(cpu: float, limit: float) -> Check:
    """The generator's share of a core over the run: above `[load] generator_cpu_max` it may
    have limited the run itself (late sends inflate latencies), so the run is inconclusive."""
    status = Status.PASS if cpu <= limit else Status.INCONCLUSIVE
    why = "" if cpu <= limit else "The load generator may have limited the run, not the service."
    return Check("generator CPU (share of a core)", status, round(cpu, 3), limit, "<=", "", why)


def _phases(side: Side, plan: plan_mod.Plan, label: str) -> tuple[list[Check], int]:
    """Per phase, the share of arrivals that failed or were not sent in time against the
    profile's error budget; and how many phases had any."""
    checks: list[Check] = []
    evaluated = 0
    for phase in plan.phases:
        where = f"{plan.profile}/{phase}"
        ok = sum(len(v) for k, v in side.samples.items() if series.place(k) == where)
        bad = sum(n for k, n in side.errors.items() if series.place(k) == where)
        bad += side.dropped.get(where, 0)
        limit = plan.budget(phase).get("error_rate", 0.0)
        if ok + bad == 0:
            why = f"No request of phase {phase} reached {label}."
            checks.append(Check(f"{where}: requests", Status.INCONCLUSIVE, 0, 1, ">=", "", why))
            continue
        evaluated += 1
        rate = bad / (ok + bad)
        status = Status.PASS if rate <= limit else Status.FAIL
        checks.append(Check(f"{where}: error rate", status, round(rate, 4), limit, "<=", ""))
    return checks, evaluated


def _record(
    side: Side,
    plan: plan_mod.Plan,
    ops: Sequence[MixOperation],
    folder: Path,
    label: str,
    generator: Check,
) -> LayerRecord:
    """The side's load record: every operation sent, and per phase the share of arrivals that
    failed or were not sent in time against the profile's error budget. An open model's
    throughput is its arrival rate, so none is recorded: what fell short shows as dropped."""
    phases, evaluated = _phases(side, plan, label)
    checks = [*_unsent(side, ops), generator, *phases]
    declared = {"phases": len(plan.phases)}
    status, reasons = judge(checks, declared, {"phases": evaluated})
    (folder / "samples.json").write_text(json.dumps(side.samples), encoding="utf-8")
    requests = sum(len(v) for v in side.samples.values())
    errors = sum(side.errors.values())
    dropped = sum(side.dropped.values())
    split = {"side": label, "requests": requests, "errors": errors, "dropped": dropped}
    return LayerRecord(
        layer=LAYER,
        status=status,
        summary=f"{plan.profile}, split with the other build: {requests} answered, "
        f"{errors} errors, {dropped} dropped",
        declared=declared,
        evaluated={"phases": evaluated},
        figures={
            "split": split,
            "errors": side.errors,
            "dropped": side.dropped,
            "generator_cpu_core": generator.figure,
        },
        checks=checks,
        artifacts={
            "samples_json": str((folder / "samples.json").relative_to(side.run)),
            "stack_logs": str((folder / "stack-logs").relative_to(side.run)),
        },
        tools={"httpx": httpx.__version__},
        reasons=reasons,
    )


def profile_of(config: Config, layer_args: Sequence[str]) -> plan_mod.Plan | None:
    """The load profile the compared runs play (the first named in `layer_args`), if named."""
    names = [a for a in layer_args if a != "--" and not a.startswith("-")]
    if not names:
        return None
    return plan_mod.build(config.load, names[0], config.profile)


def plan_of(config: Config, layer_args: Sequence[str]) -> plan_mod.Plan:
    """The open-model profile a split run plays."""
    plan = profile_of(config, layer_args)
    if plan is None:
        raise ConfigError(
            "--mode split plays one load profile, and none is named.",
            hint='name it after the baseline, or in [compare] layer_args (e.g. ["compare"]).',
        )
    if plan.mode != "open":
        raise ConfigError(
            f"--mode split plays an open-model load profile; {plan.profile!r} is {plan.mode}.",
            hint="name an open-model profile (e.g. compare), or use --mode interleaved.",
        )
    return plan


def pair(
    sides: Sequence[tuple[Config, str, Path]],
    plan: plan_mod.Plan,
    options: dict[str, Any],
) -> None:
    """One split run: every side's stack up, the plan played across them, each side's part
    written into its own run directory (`sides`: configuration, label, run directory)."""
    clock = Clock.start()
    for _, label, run in sides:
        write_plan(run, "compare", [LAYER], [LAYER])
        (run / LABEL).write_text(label + "\n", encoding="utf-8")
    try:
        found, ops, cpu = _measure(sides, plan, options)
    except SignoffError as exc:
        # a stack that did not come up: both sides' records say so, and judge nothing
        for _, _, run in sides:
            write_record(layer_dir(run, LAYER), error_record(LAYER, layer_dir(run, LAYER), exc))
        return
    generator = _generator(cpu, sides[0][0].load.generator_cpu_max)
    for side, (_, label, run) in zip(found, sides, strict=True):
        folder = layer_dir(run, LAYER)
        record = _record(side, plan, ops, folder, label, generator)
        write_record(folder, LayerRecord(**{**record.__dict__, **clock.times()}))


def _measure(
    sides: Sequence[tuple[Config, str, Path]], plan: plan_mod.Plan, options: dict[str, Any]
) -> tuple[list[Side], list[MixOperation], float]:
    """Every side's stack up, the plan played across them, the stacks down again; with the
    generator's share of a core while it played."""
    config = sides[0][0]
    settings = config.load
    with ExitStack() as stacks:
        found: list[Side] = []
        for cfg, _, run in sides:
            folder = layer_dir(run, LAYER)
            provider = choose_provider(cfg, folder / "stack-logs", options.get("stack"), None)
            found.append(Side(run, stacks.enter_context(provider)))
        handle = found[0].handle
        workload = Workload(
            settings,
            lambda name: all(s.handle.may_send(name) for s in found),
            lambda: openapi.fetch(
                handle, config.root, layer_dir(found[0].run, LAYER) / "openapi.json"
            ),
            config.target.api_prefix,
        )
        ops = workload.operations(plan.mode, True)
        for side in found:
            _seed(side, config.compare.seed, settings.open.max_lag_s)
        cpu, wall = time.process_time(), time.perf_counter()
        asyncio.run(play(plan, ops, found, settings.open))
        share = (time.process_time() - cpu) / max(time.perf_counter() - wall, 1e-6)
    return found, ops, share
