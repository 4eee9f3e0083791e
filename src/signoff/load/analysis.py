"""From the collected chunks to figures: per phase and endpoint histograms, series, samples.

Chunks carry one-second intervals by wall-clock second; `phases.json` says when each phase
began. An interval belongs to the phase that held at its middle, so workers never needed to
know the shape.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from signoff.judge import series
from signoff.load import hdr
from signoff.load.recorder import Chunk

ALL = "all"
BETWEEN = "between phases"  # a sender's requests in a second in which a phase began


@dataclass(frozen=True)
class Window:
    phase: str
    start: float
    end: float

    @property
    def duration_s(self) -> float:
        return max(self.end - self.start, 1e-9)


@dataclass
class Cell:
    """One endpoint in one phase (or `all` endpoints)."""

    histogram: HdrHistogram = field(default_factory=hdr.new)
    errors: int = 0
    dropped: int = 0
    intervals: list[tuple[float, str]] = field(default_factory=list)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (weight, ms)

    @property
    def count(self) -> int:
        return int(self.histogram.get_total_count())


@dataclass
class Second:
    histogram: HdrHistogram = field(default_factory=hdr.new)
    errors: int = 0
    dropped: int = 0


@dataclass
class Worker:
    """What one Locust process that sent load reported: requests per phase, its CPU seconds
    over time (its own readings), and when it was last heard from."""

    sent: dict[str, int] = field(default_factory=dict)  # phase -> requests
    cpu: list[tuple[float, float]] = field(default_factory=list)
    last_seen: float = 0.0


@dataclass
class Result:
    windows: list[Window]
    cells: dict[str, dict[str, Cell]]  # phase -> endpoint -> cell
    seconds: dict[int, Second]
    workers: set[str]
    senders: dict[str, Worker] = field(default_factory=dict)
    between: int = 0  # requests answered in a second in which a phase began (no phase's)

    @property
    def requests(self) -> int:
        """Every request answered: the phases' and those between two phases."""
        return sum(c[ALL].count for c in self.cells.values() if ALL in c) + self.between

    def phase_of(self, second: int) -> str | None:
        return phase_of(self.windows, second)


def read_windows(path: Path, fallback_end: float | None) -> list[Window]:
    """Phase windows from `phases.json`; a run that never ended cleanly ends at its last data."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    starts = [(float(p["start"]), str(p["phase"])) for p in data.get("phases", [])]
    end = data.get("end") or fallback_end
    windows: list[Window] = []
    for index, (start, phase) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else float(end or start)
        windows.append(Window(phase, start, stop))
    return windows


def phase_of(windows: list[Window], second: int) -> str | None:
    """The phase a wall-clock second belongs to, by its middle; None for a second in which a
    later phase begins: its requests are of both (the last of a baseline beside the first of a
    spike's burst), and counted in either they would misstate it."""
    if not windows or any(second < w.start < second + 1 for w in windows[1:]):
        return None
    middle = second + 0.5
    found = windows[0].phase
    for window in windows:
        if window.start <= middle:
            found = window.phase
    return found


def analyse(chunks: list[Chunk], windows: list[Window]) -> Result:
    cells: dict[str, dict[str, Cell]] = {w.phase: {} for w in windows}
    seconds: dict[int, Second] = {}
    workers: set[str] = set()
    senders: dict[str, Worker] = {}
    between = 0
    for chunk in chunks if windows else []:
        key = int(chunk["second"])
        phase = phase_of(windows, key)
        workers.add(str(chunk["worker"]))
        sender = senders.setdefault(str(chunk["worker"]), Worker())
        reading = chunk.get("cpu")
        if reading:
            sender.cpu.append((float(reading[0]), float(reading[1])))
        sender.last_seen = max(sender.last_seen, float(reading[0]) if reading else key + 1.0)
        if phase is None:  # a second in which a phase begins: sent, and judged in neither
            count = sum(int(data["count"]) for data in chunk["endpoints"].values())
            sender.sent[BETWEEN] = sender.sent.get(BETWEEN, 0) + count
            between += count
            continue
        sender.sent[phase] = sender.sent.get(phase, 0)
        per_phase = cells.setdefault(phase, {})
        second = seconds.setdefault(key, Second())
        for name, data in chunk["endpoints"].items():
            count, errors, encoded = int(data["count"]), int(data["errors"]), str(data["hist"])
            sender.sent[phase] += count
            for target in (per_phase.setdefault(name, Cell()), per_phase.setdefault(ALL, Cell())):
                hdr.add_encoded(target.histogram, encoded)
                target.errors += errors
            cell = per_phase[name]
            cell.intervals.append((float(key), encoded))
            kept = data.get("samples", [])
            weight = count / len(kept) if kept else 0.0
            cell.samples.extend((weight, float(ms)) for ms in kept)
            hdr.add_encoded(second.histogram, encoded)
            second.errors += errors
        for name, n in chunk.get("dropped", {}).items():
            per_phase.setdefault(name, Cell()).dropped += int(n)
            per_phase.setdefault(ALL, Cell()).dropped += int(n)
            second.dropped += int(n)
    return Result(windows, cells, seconds, workers, senders, between)


def cell_figures(cell: Cell, duration_s: float) -> dict[str, Any]:
    figures = hdr.summary_ms(cell.histogram)
    sent = cell.count + cell.dropped
    figures["errors"] = cell.errors
    figures["dropped"] = cell.dropped
    figures["error_rate"] = round((cell.errors + cell.dropped) / sent, 6) if sent else None
    figures["rps"] = round(cell.count / duration_s, 3)
    return figures


def phase_summaries(result: Result) -> dict[str, dict[str, Any]]:
    """Per phase: its window and each endpoint's figures (`all` is the aggregate)."""
    out: dict[str, dict[str, Any]] = {}
    for window in result.windows:
        cells = result.cells.get(window.phase, {})
        out[window.phase] = {
            "start": window.start,
            "end": window.end,
            "duration_s": round(window.duration_s, 3),
            "endpoints": {n: cell_figures(c, window.duration_s) for n, c in sorted(cells.items())},
        }
    return out


def weighted_sample(items: list[tuple[float, float]], cap: int, rng: random.Random) -> list[float]:
    """A uniform sample of at most `cap` requests from per-second reservoirs.

    Each kept sample stands for count/kept requests of its second (Efraimidis-Spirakis keys).
    """
    if len(items) <= cap and len({w for w, _ in items}) <= 1:
        return [ms for _, ms in items]
    keyed = [(rng.random() ** (1.0 / w), ms) for w, ms in items if w > 0]
    keyed.sort(reverse=True)
    return [ms for _, ms in keyed[:cap]]


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "endpoint"


def write_artifacts(
    result: Result, folder: Path, prefix: str, cap: int, summary: dict[str, Any]
) -> dict[str, Path]:
    """HDR logs per endpoint and phase, samples.json, throughput.json and the phase summary
    (`phase_summaries` of the result)."""
    rng = random.Random(7)
    samples: dict[str, list[float]] = {}
    base = result.windows[0].start if result.windows else 0.0
    for phase, cells in result.cells.items():
        for name, cell in cells.items():
            if name == ALL:
                continue
            hdr.write_log(folder / "hdr" / phase / f"{slug(name)}.hlog", cell.intervals, base)
            samples[series.key(name, f"{prefix}{phase}")] = weighted_sample(cell.samples, cap, rng)
    throughput: dict[str, list[float]] = {}
    errors: dict[str, list[int]] = {}
    for window in result.windows:
        picked = phase_seconds(result, window)
        throughput[f"{prefix}{window.phase}"] = per_second_counts(result, window)
        errors[f"{prefix}{window.phase}"] = [
            result.seconds[k].errors + result.seconds[k].dropped if k in result.seconds else 0
            for k in picked
        ]
    paths = {
        "samples": folder / "samples.json",
        "throughput": folder / "throughput.json",
        "errors": folder / "errors.json",
        "phases": folder / "phases-summary.json",
    }
    paths["samples"].write_text(json.dumps(samples), encoding="utf-8")
    paths["throughput"].write_text(json.dumps(throughput), encoding="utf-8")
    paths["errors"].write_text(json.dumps(errors), encoding="utf-8")
    paths["phases"].write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return paths


def phase_seconds(result: Result, window: Window) -> list[int]:
    """The wall-clock seconds that belong to a phase (by their middle), with or without data."""
    keys = range(math.floor(window.start), math.ceil(window.end))
    return [k for k in keys if phase_of(result.windows, k) == window.phase]


def per_second_counts(result: Result, window: Window) -> list[float]:
    """Requests answered in each second of a phase: its throughput series."""
    return [
        float(result.seconds[k].histogram.get_total_count()) if k in result.seconds else 0.0
        for k in phase_seconds(result, window)
    ]


def per_second_percentiles(result: Result) -> list[tuple[int, float, float, float, int, int]]:
    """(second, p50, p95, p99, requests, errors) of every second that saw requests."""
    rows = []
    for key in sorted(result.seconds):
        second = result.seconds[key]
        count = int(second.histogram.get_total_count())
        if count == 0:
            continue
        p50, p95, p99 = (hdr.percentile_ms(second.histogram, q) or 0.0 for q in (50, 95, 99))
        rows.append((key, p50, p95, p99, count, second.errors + second.dropped))
    return rows
