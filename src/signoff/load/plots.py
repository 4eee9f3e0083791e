"""Plots of a run as PNG files: latency percentiles, throughput and errors over time with phases."""

from __future__ import annotations

import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on CI machines

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from signoff.load.analysis import Result, per_second_percentiles


def _phases(ax: Axes, result: Result, origin: float) -> None:
    for window in result.windows:
        ax.axvline(window.start - origin, color="grey", linestyle="--", linewidth=0.8)
        ax.text(
            window.start - origin,
            1.0,
            f" {window.phase}",
            transform=ax.get_xaxis_transform(),
            va="top",
            fontsize=8,
            color="grey",
        )


KINDS = ("latency", "throughput", "errors")
_DRAWING = threading.Lock()  # pyplot draws one figure at a time, whichever thread asks


def planned(result: Result, folder: Path) -> dict[str, Path]:
    """The files `write_plots` writes for this result (none when there is no data)."""
    if not result.windows or not per_second_percentiles(result):
        return {}
    return {kind: folder / f"{kind}.png" for kind in KINDS}


def write_plots(result: Result, folder: Path, title: str) -> dict[str, Path]:
    """latency.png, throughput.png and errors.png in `folder`; nothing when there is no data."""
    with _DRAWING:
        return _draw(result, folder, title)


def _draw(result: Result, folder: Path, title: str) -> dict[str, Path]:
    rows = per_second_percentiles(result)
    if not rows or not result.windows:
        return {}
    origin = result.windows[0].start
    xs = [row[0] + 0.5 - origin for row in rows]
    paths: dict[str, Path] = {}
    series = {
        "latency": [
            ("p50", [r[1] for r in rows]),
            ("p95", [r[2] for r in rows]),
            ("p99", [r[3] for r in rows]),
        ],
        "throughput": [("requests/s", [float(r[4]) for r in rows])],
        "errors": [("errors/s (incl. dropped)", [float(r[5]) for r in rows])],
    }
    labels = {
        "latency": "latency (ms)",
        "throughput": "requests per second",
        "errors": "errors per second",
    }
    for kind, lines in series.items():
        fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
        for label, values in lines:
            ax.plot(xs, values, label=label, linewidth=1.2)
        if kind == "latency":
            ax.set_yscale("log")
        _phases(ax, result, origin)
        ax.set_xlabel("seconds since start")
        ax.set_ylabel(labels[kind])
        ax.set_title(f"{title}: {kind}")
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = folder / f"{kind}.png"
        fig.savefig(path)
        plt.close(fig)
        paths[kind] = path
    return paths
