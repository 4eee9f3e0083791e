"""The run's level: what moved every series of one run together, taken out before one is judged.

A busier machine, a colder cache or a slower CPU clock slows every endpoint of a run by about
the same factor. Judged on its own, each endpoint then carries that whole between-run noise.
Judged relative to its run — its log figure minus the run's level, the median over the
group's series of how far each sits from its own mean — it carries only its own noise, and a
change to one endpoint stands out. The median keeps one changed series from moving the level.

What the level takes out is judged once, as a series of its own (`run level`): a change that
slows every endpoint alike shows there, not in the relative series.

A changed series still nudges the median: it sits at one end of the deviations in every run
(above in the candidate's, below in the baseline's), so the median moves by about half a gap
between neighbouring series, and every other series looks changed the other way by as much (a
quarter of its noise or more). So the level is taken twice: a series whose change relative to
the first level is `apart` or more moved on its own, not with its run, and the second level is
the median over the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

LogRuns = Sequence[float | None]  # one log value per run; None: that run gave none
MIN_SERIES = 3  # fewer series in a group: no level, each is judged on its own


def _median_levels(
    table: Mapping[str, LogRuns], runs: int, skip: set[str]
) -> list[float | None] | None:
    """Per run, the median over series of (value - the series' mean); None: too few series."""
    deviations: list[list[float]] = [[] for _ in range(runs)]
    for name, values in table.items():
        present = [v for v in values if v is not None]
        if len(present) < 2 or name in skip:
            continue
        mean = sum(present) / len(present)
        for index, value in enumerate(values):
            if value is not None:
                deviations[index].append(value - mean)
    if sum(1 for d in deviations if len(d) >= MIN_SERIES) < 2:
        return None
    return [float(np.median(d)) if len(d) >= MIN_SERIES else None for d in deviations]


def _change(values: LogRuns, n_a: int) -> float:
    """The candidate's mean minus the baseline's (0 when a side has no value)."""
    a = [v for v in values[:n_a] if v is not None]
    b = [v for v in values[n_a:] if v is not None]
    return sum(b) / len(b) - sum(a) / len(a) if a and b else 0.0


def levels(
    table: Mapping[str, LogRuns], runs: int, n_a: int | None = None, apart: float | None = None
) -> list[float | None] | None:
    """Per run, the median over series of (value - the series' mean); None: too few series.

    Given the baseline's runs (`n_a`, first in each row) and `apart`, the series whose change
    relative to that level is `apart` or more are left out of a second, final median.
    """
    level = _median_levels(table, runs, set())
    if level is None or n_a is None or apart is None:
        return level
    moved = {
        name
        for name, values in table.items()
        if abs(_change(relative(values, level), n_a)) >= apart
    }
    if not moved or len(table) - len(moved) < MIN_SERIES:
        return level
    return _median_levels(table, runs, moved) or level


def relative(values: LogRuns, level: LogRuns) -> list[float | None]:
    """A series' per-run log values with each run's level taken out."""
    return [
        None if value is None or shift is None else value - shift
        for value, shift in zip(values, level, strict=True)
    ]
