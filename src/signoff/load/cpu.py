"""CPU time of processes during a load run: who used the machine, the generator or the service.

A series is cumulative CPU seconds over wall-clock time, `[(t, cpu_s), ...]`. Locust processes
report their own (`time.process_time()` in every chunk, so a worker on another machine is
measured too); the engine samples the master and the service's process trees from `/proc`.
The share of a core over a window is the growth of the series across it, divided by its length.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Mapping
from pathlib import Path

from signoff.machine import PeriodicSampler

Series = list[tuple[float, float]]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ")"
    return text[text.rfind(")") + 2 :].split()


def tree(pid: int) -> list[int]:
    """`pid` and every process below it (PostgreSQL's backends, a server's workers)."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float | None:
    """User plus system CPU seconds of the living processes among `pids` and of the children
    they reaped (a short-lived child's time stays counted); None when none lives."""
    total, alive = 0.0, False
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            alive = True
            total += sum(int(f) for f in fields[11:15]) / _TICKS
    return total if alive else None


def share(series: Series, start: float, end: float) -> tuple[float, float] | None:
    """(CPU seconds, covered seconds) of `series` inside [start, end], interpolating between
    readings; None when fewer than two readings bound any part of the window."""
    points = sorted(series)
    if len(points) < 2:
        return None
    lo, hi = max(start, points[0][0]), min(end, points[-1][0])
    if hi - lo <= 0:
        return None
    return max(_at(points, hi) - _at(points, lo), 0.0), hi - lo


def _at(points: Series, t: float) -> float:
    for (t0, c0), (t1, c1) in itertools.pairwise(points):
        if t0 <= t <= t1:
            return c0 + (c1 - c0) * ((t - t0) / (t1 - t0) if t1 > t0 else 1.0)
    return points[-1][1] if t >= points[-1][0] else points[0][1]


class CpuSampler(PeriodicSampler):
    """Samples the CPU seconds of named process trees (`{"master": pid, "service": pid}`)
    every `interval` seconds into `series`. A tree is walked again at every sample, so
    children that came later (a server's workers) count too."""

    def __init__(self, roots: Mapping[str, int], interval: float) -> None:
        super().__init__("signoff-cpu", interval)
        self.roots = dict(roots)
        self.series: dict[str, Series] = {name: [] for name in self.roots}

    def sample(self) -> None:
        now = time.time()
        for name, pid in self.roots.items():
            used = cpu_seconds(tree(pid))
            if used is not None:
                self.series[name].append((now, used))
