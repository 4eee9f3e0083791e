"""Plots for the HTML report, drawn with matplotlib as inline SVG (no external assets)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # no display: the plots only ever become text

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
WINDOWS_PER_PHASE = 20


def _svg(fig: Figure, salt: str) -> str:
    buffer = io.StringIO()
    # The salt keeps element ids distinct between several SVGs inlined in one page.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        # No metadata: it carries RDF namespace URLs and a date that make pages differ.
        none = {"Creator": None, "Date": None, "Format": None, "Type": None}
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=none)
    plt.close(fig)
    return _PROLOG.sub("", buffer.getvalue(), count=1)


def bars(values: Mapping[str, float], title: str, unit: str, salt: str) -> str:
    """A horizontal bar chart, e.g. coverage by package or findings by severity."""
    names = list(values)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
    ax.barh(names, [float(values[n]) for n in names], color="#4878a8")
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(unit)
    return _svg(fig, salt)


def _phases(series: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """Samples of every endpoint grouped by phase (`endpoint | phase`), phases in given order."""
    phases: dict[str, list[float]] = {}
    for key, values in series.items():
        phase = key.rsplit("|", 1)[1].strip() if "|" in key else "run"
        phases.setdefault(phase, []).extend(values)
    return phases


def latency_over_time(series: Mapping[str, Sequence[float]], title: str, salt: str) -> str:
    """p50/p95/p99 over consecutive windows of each phase's samples, phase boundaries marked."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    x = 0
    bounds: list[tuple[int, str]] = []
    for phase, values in _phases(series).items():
        chunks = [c for c in np.array_split(np.asarray(values, float), WINDOWS_PER_PHASE) if c.size]
        xs = np.arange(x, x + len(chunks))
        for q, style in ((50, "-"), (95, "--"), (99, ":")):
            ax.plot(
                xs,
                [np.percentile(c, q) for c in chunks],
                style,
                color="#4878a8",
                label=f"p{q}" if x == 0 else None,
            )
        bounds.append((x, phase))
        x += len(chunks)
    top = ax.get_ylim()[1]
    for start, phase in bounds:  # after plotting, so the labels sit at the final top edge
        ax.axvline(start - 0.5, color="#999", linewidth=0.8)
        ax.text(start, top, f" {phase}", va="top", fontsize=8)
    ax.set_title(title)
    ax.set_ylabel("ms")
    ax.set_xlabel("windows of consecutive requests, by phase")
    ax.legend(loc="upper right", fontsize=8)
    return _svg(fig, salt)


def throughput(series: Mapping[str, Sequence[float]], title: str, salt: str) -> str:
    """Requests per second over the run's seconds, one segment per phase."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    x = 0
    for phase, values in series.items():
        label = phase.split(": ", 1)[-1]
        ax.plot(range(x, x + len(values)), values, color="#4878a8")
        ax.axvline(x, color="#999", linewidth=0.8)
        ax.text(x, max(max(values, default=0), 1), f" {label}", va="top", fontsize=8)
        x += len(values)
    ax.set_title(title)
    ax.set_ylabel("requests/s")
    ax.set_xlabel("s")
    return _svg(fig, salt)


def shifts(rows: Sequence[tuple[str, float, float, float]], salt: str) -> str:
    """Relative shift of each compared series with its confidence interval."""
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(rows) + 1.2))
    names = [r[0] for r in rows]
    mid = np.array([r[1] for r in rows]) * 100
    err = np.array([[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]]) * 100
    ax.errorbar(mid, range(len(rows)), xerr=err, fmt="o", color="#4878a8")
    ax.set_yticks(range(len(rows)), names, fontsize=7)
    ax.axvline(0, color="#999", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("shift against the baseline, % (95% CI)")
    return _svg(fig, salt)
