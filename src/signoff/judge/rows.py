"""Every series of two builds' runs judged, a row each, and one check per kind over the rows.

Latency, throughput and micro-benchmark series are judged on the spread of their per-run
figures (`signoff.judge.stats`), relative to their run's level where a group of series allows
one (`signoff.judge.level`); the level itself is judged as a series of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from signoff.judge import series
from signoff.judge.level import levels, relative
from signoff.judge.looks import Job, judge_looks
from signoff.judge.sampling import per_run_variance
from signoff.judge.sequential import Looks, Stop
from signoff.judge.stats import Change, Settings, Shift, per_run, samples_for
from signoff.records import Check, Status

# kind -> (title, whether a higher value is better)
KINDS = {
    "latency": ("latency", False),
    "throughput": ("throughput", True),
    "benchmarks": ("micro-benchmarks", False),
}
Document = Mapping[str, Any]
LEVEL = "run level"  # the series of what moved every series of a run together
Runs = dict[str, list[list[float]]]  # series -> each run's samples
SHOWN = 10  # series named in a check's message at most


@dataclass(frozen=True)
class Row:
    kind: str
    series: str
    shift: Shift
    level: bool = False  # the run level: what moved every series of a run alike
    # Too few samples in every run of both sides: named, not judged. A series that has values
    # but lost them to its runs' missing level is not sparse: its evidence stays undecided.
    sparse: bool = False

    @property
    def verdict(self) -> str:
        return "not judged" if self.sparse else self.shift.change.value

    def to_json(self) -> dict[str, Any]:
        data = asdict(self.shift)
        return {
            "kind": self.kind,
            "series": self.series,
            **data,
            "change": self.shift.change.value,
            "verdict": self.verdict,
            "level": self.level,
        }


def runs_of(side: Sequence[Document], kind: str, by_phase: bool) -> Runs:
    """Per series, each run's samples; latency series pooled over their profile's phases."""
    out: Runs = {}
    for index, doc in enumerate(side):
        for key, values in doc.get("samples", {}).get(kind, {}).items():
            name = key if by_phase or kind != "latency" else series.whole_profile(key)
            runs = out.setdefault(name, [[] for _ in side])
            runs[index].extend(float(v) for v in values)
    return out


Table = dict[
    str, list[float | None]
]  # series -> per run: the baseline's runs, then the candidate's
Tables = dict[tuple[str, str], tuple[Table, Table]]  # (figure, group) -> log values, their noise


def _tables(kind: str, before: Runs, after: Runs, s: Settings) -> Tables:
    """Per figure and group (a latency series' place), each series' per-run log values and
    the sampling variance of each (`signoff.judge.sampling`)."""
    figures = list(s.latency_figures) if kind == "latency" else ["p50"]
    tables: Tables = {}
    for figure in figures:
        needed = samples_for(figure, s.min_samples)
        for name in sorted(before.keys() & after.keys()):
            group = series.place(name) if kind == "latency" else ""
            logs, noise = tables.setdefault((figure, group), ({}, {}))
            runs = before[name] + after[name]
            logs[name] = per_run(runs, figure, s.min_samples)
            noise[name] = per_run_variance(runs, figure, needed)
    return tables


def _group_jobs(
    kind: str, figure: str, tables: tuple[Table, Table], group: str, n_a: int, s: Settings,
    paired: bool, at_once: bool,
) -> list[Job]:  # fmt: skip
    """The jobs of one group of series (one place of a latency series), relative to the
    group's run level where it has one, with the level as a job of its own.

    Paired runs judge the level (and series without one) on their pairs; runs whose pairs
    shared the same moments (`at_once`) judge every series so: what the machine did to one
    side's tail it did to the other's."""
    table, noise = tables
    higher = KINDS[kind][1]
    runs = len(next(iter(table.values())))
    apart = math.log1p(s.min_effect) / 2  # a series moved this far on its own sits out
    relative_to_level = kind != "throughput" and s.run_level
    level = levels(table, runs, n_a, apart) if relative_to_level else None
    jobs = []
    for name, values in table.items():
        own = (noise[name][:n_a], noise[name][n_a:])
        if level is None:
            # the run's noise is still in every series alike: their variances agree because
            # they are one variance, so they are not pooled
            raw = (values[:n_a], values[n_a:])
            jobs.append(Job(kind, name, figure, *raw, None, paired, higher=higher, noise=own))
            continue
        moved = relative(values, level)
        shown = (values[:n_a], values[n_a:])
        both = paired and at_once
        job = Job(kind, name, figure, moved[:n_a], moved[n_a:], shown, both, higher=higher)
        jobs.append(replace(job, noise=own, pooled=True))
    if level is not None:
        label = series.key(LEVEL, group) if group else LEVEL
        # in runs split over the same seconds the level is judged as its series are, with them
        job = Job(kind, label, figure, level[:n_a], level[n_a:], None, paired, True, higher)
        jobs.append(replace(job, pooled=paired and at_once))
    return jobs


def _prefix(table: Table, n_a: int, runs: int) -> Table:
    """The first `runs` runs of each side of every row (the baseline's first)."""
    return {k: v[: min(runs, n_a)] + v[n_a : n_a + runs] for k, v in table.items()}


def judge_rows(
    bases: Sequence[Document], cands: Sequence[Document], s: Settings, paired: bool,
    at_once: bool, looks: Looks | None = None,
) -> tuple[list[Row], list[str], Stop]:  # fmt: skip
    """Every series measured on both sides judged, by kind, at each look of `looks` (default:
    one look at all runs); the series of one side only; and how far the looks went."""
    only: list[str] = []
    tables: dict[str, Tables] = {}
    n_a = len(bases)
    for kind in KINDS:
        before, after = runs_of(bases, kind, s.by_phase), runs_of(cands, kind, s.by_phase)
        tables[kind] = _tables(kind, before, after, s)
        only += [f"{kind}: {key}" for key in sorted(before.keys() ^ after.keys())]

    def jobs_at(runs: int) -> list[Job]:
        n = min(runs, n_a)
        return [
            job
            for kind in KINDS
            for (figure, group), (logs, noise) in tables[kind].items()
            for job in _group_jobs(
                kind,
                figure,
                (_prefix(logs, n_a, runs), _prefix(noise, n_a, runs)),
                group,
                n,
                s,
                paired,
                at_once,
            )
        ]

    available = max(n_a, len(cands))
    judged, stop = judge_looks(jobs_at, available, looks or Looks.once(available), s)
    rows = [Row(job.kind, job.name, shift, job.level, job.sparse) for job, shift in judged]
    return rows, only, stop


def _with_interval(row: Row) -> str:
    """`GET /x | load (p50) +19.0% [+12.1%..+26.3%, 99.71%]`: the interval the verdict read."""
    shift = row.shift
    name = f"{row.series} ({shift.figure})"
    if shift.relative is None or shift.ci_low is None or shift.ci_high is None:
        return name
    level = f", {shift.confidence:.2%}" if shift.confidence is not None else ""
    return f"{name} {shift.relative:+.1%} [{shift.ci_low:+.1%}..{shift.ci_high:+.1%}{level}]"


def _listed(rows: list[Row]) -> str:
    names = ", ".join(f"{r.series} ({r.shift.figure})" for r in rows[:SHOWN])
    return names + (" …" if len(rows) > SHOWN else "")


def _undecided(unsure: list[Row], runs: int, skipped: str) -> str:
    needs = [r.shift.runs_needed for r in unsure]
    need = (
        "more than 200 runs per side"
        if None in needs or not needs
        else f"about {max(n for n in needs if n is not None)} runs per side"
    )
    if not unsure:
        return f"No series had enough samples to be judged.{skipped}"
    return (
        f"Could not be judged with {runs} run(s) per side: {_listed(unsure)}. "
        f"Judging them needs {need}.{skipped}"
    )


def series_check(kind: str, rows: list[Row], runs: int, whole_run: bool = False) -> Check:
    """Fails on a slower series; inconclusive on an undecided one or when none was judged.

    A series too sparse in every run of both sides (an endpoint the workload hardly calls) is
    named, not judged: the workload gives no evidence about it either way.
    """
    title = KINDS[kind][0] + (", every series alike (run level)" if whole_run else "")
    sparse = [r for r in rows if r.sparse]
    judged = [r for r in rows if not r.sparse]
    worse = [r for r in judged if r.shift.change is Change.SLOWER]
    unsure = [r for r in judged if r.shift.change is Change.INCONCLUSIVE]
    figure = f"{len(worse)} slower, {len(unsure)} inconclusive of {len(judged)}"
    skipped = f" Not judged, too few samples in every run: {_listed(sparse)}." if sparse else ""
    if worse:
        names = ", ".join(_with_interval(r) for r in worse)
        status, message = Status.FAIL, f"Slower than the baseline: {names}.{skipped}"
    elif unsure or not judged:
        status, message = Status.INCONCLUSIVE, _undecided(unsure, runs, skipped)
    else:
        status, message = Status.PASS, skipped.strip()
    return Check(title, status, figure, "no slower series", message=message)
