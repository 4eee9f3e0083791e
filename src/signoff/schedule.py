"""The order and company of a run's layers: which run side by side, which alone, which last
(`signoff.shards` deals a profile's layers out to shards).

`plan` turns the profile's layers into groups, run one group after the other: ordinary
layers side by side up to the limit, each `exclusive_cpu` layer alone (its verdict depends on
timing), then the `after_recordings` layers (they replay what the others' clients recorded),
the `after_all` layers last (they combine the others' evidence). Within a group the
layers that took longest in earlier runs start first (a long layer started last would finish
alone), then the ones never timed, in the profile's order. With a limit of 1 the profile runs
as written, one layer after another. `execute` runs the groups.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from signoff.children import TEARDOWN_S, signal_group
from signoff.errors import UsageError
from signoff.layers import Layer, LayerContext
from signoff.layers.run import run_layer
from signoff.layers.shared import SharedStacks
from signoff.records import LayerRecord, inconclusive, write_record

__all__ = [
    "Group",
    "Schedule",
    "earlier_times",
    "execute",
    "plan",
]

INTERRUPTED = "The run was interrupted while this layer ran."
RunOne = Callable[[LayerContext], LayerRecord]
EARLIER_RUNS = 20  # the most recent runs whose layer times order the next run's starts
# what is said of a layer once it has finished (said from the main thread, one at a time)
Tell = Callable[[LayerContext, LayerRecord], None]


@dataclass(frozen=True)
class Group:
    """Layers that run side by side, up to the limit, started in this order (longest first).
    `alone`: one layer whose verdict depends on timing; `after_all`: run after every other."""

    layers: tuple[str, ...]
    alone: bool = False
    after_all: bool = False
    after_recordings: bool = False

    @property
    def why(self) -> str:
        """The scheduler's reason for this group, in words."""
        reason = "alone (exclusive_cpu)" if self.alone else "in turn"
        reason = "side by side" if len(self.layers) > 1 else reason
        if self.after_recordings:
            return f"{reason}, after the layers whose requests it replays (after_recordings)"
        return f"{reason}, after all others (after_all)" if self.after_all else reason

    def to_json(self) -> dict[str, Any]:
        found = {"layers": list(self.layers), "alone": self.alone, "after_all": self.after_all}
        return {**found, "after_recordings": True} if self.after_recordings else found


@dataclass(frozen=True)
class Schedule:
    """The scheduler's decisions for one run: the limit and the groups, in the order they run."""

    parallel: int
    groups: tuple[Group, ...]

    @property
    def order(self) -> list[str]:
        return [name for group in self.groups for name in group.layers]

    def describe(self) -> str:
        """One line for the console: what runs with what."""
        if self.parallel == 1:
            return "one layer at a time"
        parts = [f"{', '.join(g.layers)} {g.why}" for g in self.groups]
        return f"up to {self.parallel} at a time: " + "; then ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"parallel": self.parallel, "groups": [g.to_json() for g in self.groups]}


def _grouped(layers: Sequence[Layer], took: Mapping[str, float], **phase: bool) -> list[Group]:
    """Runs of ordinary layers side by side, each timing layer alone, in the given order;
    `phase` marks the groups (after_all, after_recordings)."""
    groups: list[Group] = []
    together: list[str] = []
    for layer in layers:
        if not layer.exclusive_cpu:
            together.append(layer.name)
            continue
        if together:
            groups.append(Group(_longest_first(together, took), **phase))
            together = []
        groups.append(Group((layer.name,), alone=True, **phase))
    if together:
        groups.append(Group(_longest_first(together, took), **phase))
    return groups


def _longest_first(names: Sequence[str], took: Mapping[str, float]) -> tuple[str, ...]:
    """Layers never timed first (they may be long), then by their earlier time, longest first;
    ties keep the profile's order."""
    return tuple(sorted(names, key=lambda name: -took.get(name, float("inf"))))


def plan(
    layers: Sequence[Layer], parallel: int, took: Mapping[str, float] | None = None
) -> Schedule:
    """The groups a run of `layers` (in the profile's order) runs in, `parallel` at most at once,
    each group's layers started longest first by `took` (seconds a layer took before); with 1,
    the profile's own order, one layer after another (as runs always were)."""
    if parallel < 1:
        raise UsageError(f"--parallel needs a number of layers of 1 or more, not {parallel}.")
    if parallel == 1:
        return Schedule(1, tuple(Group((layer.name,)) for layer in layers))
    took = took or {}
    ordinary = [layer for layer in layers if not (layer.after_all or layer.after_recordings)]
    first = _grouped(ordinary, took)
    replays = [layer for layer in layers if layer.after_recordings and not layer.after_all]
    later = _grouped(replays, took, after_recordings=True)
    last = _grouped([layer for layer in layers if layer.after_all], took, after_all=True)
    return Schedule(parallel, tuple(first + later + last))


def earlier_times(run_root: Path) -> dict[str, float]:
    """Each layer's time in the latest of the recent runs under `run_root` that ran it (none
    for a layer never run here). An unreadable record is passed over: this only orders starts."""
    runs = sorted(p for p in run_root.glob("*") if p.is_dir() and not p.is_symlink())
    runs.reverse()
    took: dict[str, float] = {}
    for run in runs[:EARLIER_RUNS]:
        for path in run.glob("*/record.json"):
            layer = path.parent.name
            if layer in took:
                continue
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                took[layer] = float(json.loads(path.read_text(encoding="utf-8"))["duration_s"])
    return took


def _silent(ctx: LayerContext, record: LayerRecord) -> None:
    return None


def execute(
    schedule: Schedule,
    context: Callable[[str], LayerContext],
    tell: Tell = _silent,
    run_one: RunOne = run_layer,
) -> dict[str, LayerRecord]:
    """Run every group in turn, `tell` each layer's record as it finishes, and return them all.
    The read-only layers of a group share one stack (`signoff.layers.shared`).
    A layer that runs alone runs in this thread (an interrupt reaches its child directly, as
    ever); a group side by side runs a thread per layer, each waiting on its layer's children."""
    records: dict[str, LayerRecord] = {}
    for group in schedule.groups:
        # the read-only layers of a group share one stack, stopped when the group is done
        shared = SharedStacks()

        def sharing(name: str, shared: SharedStacks = shared) -> LayerContext:
            return replace(context(name), shared=shared)

        try:
            if len(group.layers) == 1 or schedule.parallel == 1:
                for name in group.layers:
                    ctx = sharing(name)
                    records[name] = run_one(ctx)
                    tell(ctx, records[name])
            else:
                limit = min(schedule.parallel, len(group.layers))
                records.update(_together(group.layers, limit, sharing, tell, run_one))
        finally:
            shared.close()
    return records


Outcome = tuple[str, LayerRecord | BaseException]


def _work(ctx: LayerContext, run_one: RunOne, finished: queue.Queue[Outcome]) -> None:
    try:
        outcome: LayerRecord | BaseException = run_one(ctx)
    except BaseException as exc:  # handed to the main thread, which raises it
        outcome = exc
    finished.put((ctx.name, outcome))


def _next(finished: queue.Queue[Outcome]) -> Outcome:
    while True:  # a bounded wait, so that an interrupt is seen at once
        try:
            return finished.get(timeout=0.5)
        except queue.Empty:
            continue


def _together(
    names: Sequence[str],
    limit: int,
    context: Callable[[str], LayerContext],
    tell: Tell,
    run_one: RunOne,
) -> dict[str, LayerRecord]:
    """`names` side by side, never more than `limit` at once, started in order. An error
    outside a layer's work (its record could not be written) stops new starts and is raised
    once the running layers have finished."""
    pending = list(names)
    running: dict[str, tuple[threading.Thread, LayerContext]] = {}
    finished: queue.Queue[Outcome] = queue.Queue()
    records: dict[str, LayerRecord] = {}
    failure: BaseException | None = None
    try:
        while running or (pending and failure is None):
            while pending and failure is None and len(running) < limit:
                ctx = context(pending.pop(0))
                # a daemon: an interrupted run must be able to exit whatever a layer still does
                thread = threading.Thread(
                    target=_work,
                    args=(ctx, run_one, finished),
                    name=f"layer-{ctx.name}",
                    daemon=True,
                )
                running[ctx.name] = (thread, ctx)
                thread.start()
            name, outcome = _next(finished)
            thread, ctx = running.pop(name)
            thread.join()
            if isinstance(outcome, BaseException):
                failure = failure or outcome
            else:
                records[name] = outcome
                tell(ctx, outcome)
    except KeyboardInterrupt:
        _interrupt(running)
        raise
    if failure is not None:
        raise failure
    return records


def _interrupt(running: dict[str, tuple[threading.Thread, LayerContext]]) -> None:
    """Ctrl-C (or SIGTERM) reaches only this thread: forward it to signoff's children, give
    them the teardown time a child gets, then kill what is left. A layer cut short this way
    says so in its record: INCONCLUSIVE, whatever its work made of the interruption."""
    deadline = time.monotonic() + TEARDOWN_S
    try:
        _signal_children(signal.SIGINT)
        for thread, _ in running.values():
            thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        _signal_children(signal.SIGKILL)
    for name, (thread, ctx) in running.items():
        thread.join(5.0)
        write_record(ctx.folder, inconclusive(name, INTERRUPTED))


def _signal_children(sig: int) -> None:
    """Send `sig` to every child of this process: to its whole group where it leads one (the
    long-running children `children.spawn` starts), else to itself (a short tool)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone, or not readable
        pid, parent, group = int(entry.name), int(fields[1]), int(fields[2])
        if parent != me:
            continue
        if group == pid:
            signal_group(pid, sig)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
