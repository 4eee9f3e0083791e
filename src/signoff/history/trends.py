"""Trend lines: each key figure and each layer's duration over the last runs of this run's
branch and of main (the same profile: a release run's figures are not a PR run's)."""

from __future__ import annotations

from collections import Counter

from signoff.history import store
from signoff.history.db import Database, Row
from signoff.history.facts import RunFacts
from signoff.history.view import Point, Trend

KINDS = ("coverage", "audit", "fuzz", "p95", "p50")  # the order trends are listed in


def _rank(name: str) -> tuple[int, str]:
    return next((i for i, kind in enumerate(KINDS) if kind in name), len(KINDS)), name


def _series(rows: list[Row], order: list[str], scope: str) -> list[Trend]:
    """Trends from (run_id, layer, name, value, unit) rows; at least two runs make a line."""
    layers_of = Counter(name for name, _ in {(r[2], r[1]) for r in rows})
    values: dict[tuple[str, str], dict[str, float]] = {}
    units: dict[tuple[str, str], str] = {}
    for run_id, layer, name, value, unit in rows:
        values.setdefault((layer, name), {})[run_id] = float(value)
        units[(layer, name)] = unit
    trends = []
    for (layer, name), by_run in values.items():
        points = tuple(Point(r, by_run[r]) for r in order if r in by_run)
        if len(points) < 2:
            continue
        label = f"{layer}: {name}" if layers_of[name] > 1 else name
        trends.append(Trend(label, units[(layer, name)], scope, points))
    return sorted(trends, key=lambda t: _rank(t.name))


def _scope(db: Database, branch: str, profile: str, count: int) -> list[Trend]:
    found = store.runs(db, branch=branch, profile=profile, limit=count)
    order = [r.run_id for r in reversed(found)]  # oldest first
    figures = store.figure_rows(db, order)
    durations = [
        (run_id, layer, f"duration {layer}", seconds, "s")
        for run_id, layer, seconds in store.duration_rows(db, order)
    ]
    return _series(figures, order, branch) + _series(durations, order, branch)


def trends(db: Database, facts: RunFacts, main: str, count: int) -> tuple[Trend, ...]:
    """This branch's trends, then main's (when this run is not on main)."""
    found = _scope(db, facts.branch, facts.profile, count)
    if main and facts.branch != main:
        found += _scope(db, main, facts.profile, count)
    return tuple(found)
