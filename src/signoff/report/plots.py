"""Plots the report draws itself, as inline SVG (no external assets): coverage by package,
findings by severity, shifts against the baseline. Every axis says what it counts and in
which unit. Latency and throughput over time are the load layer's own figures (drawn from
every request, not from the report's thinned samples), so the report embeds those instead
of drawing them a second time. Figures over stored runs are `trendline`'s.
"""

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
BLUE = "#4878a8"


def _svg(fig: Figure, salt: str) -> str:
    buffer = io.StringIO()
    # The salt keeps element ids distinct between several SVGs inlined in one page.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        # No metadata: it carries RDF namespace URLs and a date that make pages differ.
        none = {"Creator": None, "Date": None, "Format": None, "Type": None}
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=none)
    plt.close(fig)
    return _PROLOG.sub("", buffer.getvalue(), count=1)


def bars(
    values: Mapping[str, float],
    title: str,
    xlabel: str,
    ylabel: str,
    salt: str,
    xmax: float | None = None,
) -> str:
    """A horizontal bar chart with each bar's value written beside it."""
    names = list(values)
    numbers = [float(values[n]) for n in names]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.3))
    drawn = ax.barh(names, numbers, color=BLUE)
    ax.bar_label(drawn, labels=[f"{v:.4g}" for v in numbers], padding=3, fontsize=8)
    ax.invert_yaxis()
    if xmax is not None:
        ax.set_xlim(0, xmax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _svg(fig, salt)


def coverage(by_package: Mapping[str, float], salt: str) -> str:
    return bars(by_package, "Line coverage by package", "line coverage (%)", "package", salt, 100.0)


SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNDEFINED")


def severities(counts: Mapping[str, float], salt: str) -> str:
    """Most severe first, whatever order the record's JSON keeps its keys in."""
    rank = {name: i for i, name in enumerate(SEVERITIES)}
    ordered = dict(sorted(counts.items(), key=lambda kv: rank.get(kv[0].upper(), len(rank))))
    return bars(ordered, "Security findings by severity", "findings (count)", "severity", salt)


def shifts(rows: Sequence[tuple[str, float, float, float]], salt: str) -> str:
    """Relative shift of each compared series with its confidence interval."""
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(rows) + 1.2))
    names = [r[0] for r in rows]
    mid = np.array([r[1] for r in rows]) * 100
    err = np.array([[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]]) * 100
    ax.errorbar(mid, range(len(rows)), xerr=err, fmt="o", color=BLUE)
    ax.set_yticks(range(len(rows)), names, fontsize=7)
    ax.axvline(0, color="#999", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_title("Shift against the baseline")
    ax.set_xlabel("shift of the median (%, with 95% confidence interval)")
    ax.set_ylabel("series")
    return _svg(fig, salt)
