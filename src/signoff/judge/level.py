"""The run's level: what moved every series of one run together, taken out before one is judged.

A busier machine, a colder cache or a slower CPU clock slows every endpoint of a run by about
the same factor. Judged on its own, each endpoint then carries that whole between-run noise.
Judged relative to its run — its log figure minus the run's level, the median over the
group's series of how far each sits from its own mean — it carries only its own noise, and a
change to one endpoint stands out. The median keeps one changed series from moving the level.

What the level takes out is judged once, as a series of its own (`run level`): a change that
slows every endpoint alike shows there, not in the relative series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

LogRuns = Sequence[float | None]  # one log value per run; None: that run gave none
MIN_SERIES = 3  # fewer series in a group: no level, each is judged on its own


def levels(table: Mapping[str, LogRuns], runs: int) -> list[float | None] | None:
    """Per run, the median over series of (value - the series' mean); None: too few series."""
    deviations: list[list[float]] = [[] for _ in range(runs)]
    for values in table.values():
        present = [v for v in values if v is not None]
        if len(present) < 2:
            continue
        mean = sum(present) / len(present)
        for index, value in enumerate(values):
            if value is not None:
                deviations[index].append(value - mean)
    if sum(1 for d in deviations if len(d) >= MIN_SERIES) < 2:
        return None
    return [float(np.median(d)) if len(d) >= MIN_SERIES else None for d in deviations]


def relative(values: LogRuns, level: LogRuns) -> list[float | None]:
    """A series' per-run log values with each run's level taken out."""
    return [
        None if value is None or shift is None else value - shift
        for value, shift in zip(values, level, strict=True)
    ]
