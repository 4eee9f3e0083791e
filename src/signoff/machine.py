"""How busy the machine was during a timed phase: CPU taken by processes that are not the run's
own, CPU steal and load, read from `/proc`.

The run's own processes (signoff, its load generator, the stack it started) are given as root
pids; every process below a root counts as ours. The rest of the machine's CPU (another job on
a shared runner, a test suite beside it, a compiler) can slow a timed phase without the build
being any slower, so a phase run on a busy machine is named, never blamed on the build.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from signoff.interrupts import quiet
from signoff.records import Check, Status

PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
TOP = 3  # other processes named in a figure
Key = tuple[int, int]  # (pid, start time in clock ticks): a reused pid is another process


@dataclass(frozen=True)
class Machine:
    """The machine over one window. Shares are of all cores' time; `top` names the busiest
    other processes with their share of one core."""

    seconds: float
    cores: int
    others_share: float
    ours_share: float
    steal_share: float
    load: float  # the highest 1-minute load average seen
    top: tuple[tuple[str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "top": {name: share for name, share in self.top}}


def busy_reason(figures: Machine, max_share: float) -> str | None:
    """Why the machine was too busy to blame a slow phase on the build, or None.

    Busy: other processes and the hypervisor (steal) took more than `max_share` of all cores.
    """
    if figures.others_share + figures.steal_share <= max_share:
        return None
    top = ", ".join(f"{name} {share:.0%} of a core" for name, share in figures.top)
    return (
        f"the machine was busy: {figures.others_share * 100:.0f} % of {figures.cores} cores went "
        f"to other processes{f' (top: {top})' if top else ''}, steal "
        f"{figures.steal_share * 100:.0f} %, load {figures.load:.1f}"
    )


def slowdown(share: float) -> float:
    """How much slower a timed phase can get when others took `share` of all cores: about
    1 / (1 - s) for the CPU and as much again for the queue that builds behind it."""
    return 1.0 / (1.0 - min(share, 0.9)) ** 2


def excused(check: Check, reason: str, share: float) -> Check:
    """The busy rule for one timing (others took `share` of all cores): a failed timing is
    INCONCLUSIVE naming the machine, unless it missed its threshold by more than the
    contention could explain. Met stays met; an undecided one names the busy machine. The bound
    held against the threshold is the interval's end nearest it, or the figure itself when the
    check has no interval."""
    excuse = f" ({reason[0].upper()}{reason[1:]}.)"
    if check.status is Status.INCONCLUSIVE and check.message and excuse not in check.message:
        # undecided on a busy machine: the reader learns why the figures may be wide
        return replace(check, message=check.message + excuse)
    if check.status is not Status.FAIL or not isinstance(check.threshold, int | float):
        return check
    slack = slowdown(share)
    if check.comparator in ("<=", "<"):
        best = check.low if check.low is not None else check.figure
        explained = not isinstance(best, int | float) or best <= check.threshold * slack
    else:
        best = check.high if check.high is not None else check.figure
        explained = not isinstance(best, int | float) or best >= check.threshold / slack
    if not explained:
        return check
    return replace(check, status=Status.INCONCLUSIVE, message=check.message + excuse)


def judged_busy(check: Check, seen: Machine | None, max_share: float) -> Check:
    """A timing check with the busy rule applied when the machine was busy while it ran."""
    reason = busy_reason(seen, max_share) if seen is not None else None
    if seen is None or reason is None:
        return check
    return excused(check, reason, seen.others_share + seen.steal_share)


def busy_figures(seen: Machine | None, max_share: float) -> dict[str, Any] | None:
    """The machine's figures as a record keeps them, with why it was busy (`busy`: None when
    it was not); None when it was not sampled."""
    if seen is None:
        return None
    return {**seen.to_json(), "busy": busy_reason(seen, max_share)}


@dataclass(frozen=True)
class _Reading:
    """One look at /proc: the machine's CPU counters (clock ticks) and every process's."""

    t: float
    busy: int  # user + nice + system over all cores
    steal: int
    total: int
    load: float
    ours: dict[Key, int]  # (pid, start) -> ticks, with reaped children's
    others: dict[Key, int]  # (pid, start) -> its own ticks
    names: dict[Key, str] = field(default_factory=dict)


def _processes() -> dict[int, list[str]]:
    """Every process's /proc/PID/stat fields after the command name (which may hold spaces),
    with the command name appended last."""
    found: dict[int, list[str]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue  # it ended between listing and reading
        end = text.rfind(")")
        found[int(entry.name)] = [*text[end + 2 :].split(), text[text.find("(") + 1 : end]]
    return found


def _descendants(roots: Iterable[int], processes: dict[int, list[str]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, fields in processes.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found: set[int] = set()
    todo = [pid for pid in roots if pid in processes]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def read(roots: Iterable[int]) -> _Reading:
    processes = _processes()
    ours = _descendants(roots, processes)
    cpu = (PROC / "stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    ticks = [int(value) for value in cpu]
    mine: dict[Key, int] = {}
    others: dict[Key, int] = {}
    names: dict[Key, str] = {}
    for pid, fields in processes.items():
        key = (pid, int(fields[19]))
        if pid in ours:
            mine[key] = sum(int(f) for f in fields[11:15])
        else:
            others[key] = int(fields[11]) + int(fields[12])
            names[key] = f"{fields[-1]} (pid {pid})"
    load = float((PROC / "loadavg").read_text(encoding="ascii").split()[0])
    steal = ticks[7] if len(ticks) > 7 else 0
    return _Reading(time.time(), sum(ticks[:3]), steal, sum(ticks[:8]), load, mine, others, names)


def _grown(before: dict[Key, int], after: dict[Key, int]) -> dict[Key, int]:
    """Ticks each process used between two readings (a new process: all of its own)."""
    return {key: max(used - before.get(key, 0), 0) for key, used in after.items()}


def _ours_grown(before: dict[Key, int], after: dict[Key, int]) -> int:
    """Ticks our trees used between two readings. Each count holds its reaped children's
    ticks, so a child reaped in between has moved its whole count into its parent's: the
    difference of the sums counts it once (per process, it would count twice)."""
    return max(sum(after.values()) - sum(before.values()), 0)


def _cores() -> int:
    lines = (PROC / "stat").read_text(encoding="ascii").splitlines()
    return sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit()) or 1


class PeriodicSampler(threading.Thread):
    """A daemon thread that calls `sample()` every `interval` seconds until stopped, and once
    more at the stop, so a window's end is always read."""

    def __init__(self, name: str, interval: float) -> None:
        super().__init__(name=name, daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def sample(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)
        self.sample()

    def start(self) -> None:
        quiet(super().start)

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=10.0)


class MachineSampler(PeriodicSampler):
    """Reads /proc every `interval` seconds until stopped; `figures(start, end)` sums any
    window of that time. Start/stop like a thread, or use it as a context manager."""

    def __init__(self, roots: Iterable[int], interval: float = 1.0) -> None:
        super().__init__("signoff-machine", interval)
        self.roots = [int(pid) for pid in roots]
        self.readings: list[_Reading] = []
        self.cores = _cores()

    def sample(self) -> None:
        self.readings.append(read(self.roots))

    def __enter__(self) -> MachineSampler:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def figures(self, start: float | None = None, end: float | None = None) -> Machine | None:
        """The machine over [start, end] (default: all readings); None without two readings
        that overlap the window. A step between readings counts by the share inside it."""
        lo = -float("inf") if start is None else start
        hi = float("inf") if end is None else end
        sums = {"busy": 0.0, "steal": 0.0, "total": 0.0, "ours": 0.0, "seconds": 0.0}
        others: dict[str, float] = {}
        load = 0.0
        for before, after in zip(self.readings, self.readings[1:], strict=False):
            span = after.t - before.t
            inside = min(after.t, hi) - max(before.t, lo)
            if span <= 0 or inside <= 0:
                continue
            share = inside / span
            sums["seconds"] += inside
            sums["busy"] += share * (after.busy - before.busy)
            sums["steal"] += share * (after.steal - before.steal)
            sums["total"] += share * (after.total - before.total)
            sums["ours"] += share * _ours_grown(before.ours, after.ours)
            for key, used in _grown(before.others, after.others).items():
                if used:
                    name = after.names[key]
                    others[name] = others.get(name, 0.0) + share * used
            load = max(load, before.load, after.load)
        return self._summary(sums, others, load) if sums["seconds"] > 0 else None

    def _summary(self, sums: dict[str, float], others: dict[str, float], load: float) -> Machine:
        seconds, total = sums["seconds"], max(sums["total"], 1.0)
        # The machine's counters minus our processes: other processes, including those that
        # started and ended between two readings, which no per-process reading would see.
        rest = max(sums["busy"] - sums["ours"], 0.0)
        busiest = sorted(others.items(), key=lambda item: item[1], reverse=True)[:TOP]
        return Machine(
            seconds=round(seconds, 3),
            cores=self.cores,
            others_share=round(min(rest / total, 1.0), 4),
            ours_share=round(min(sums["ours"] / total, 1.0), 4),
            steal_share=round(sums["steal"] / total, 4),
            load=load,
            top=tuple(
                (name, round(ticks / _TICKS / seconds, 3))
                for name, ticks in busiest
                if ticks / _TICKS / seconds >= 0.01
            ),
        )
