"""Flaky tests as a fact: a test case that both passed and failed (or erred) on one commit —
in any stored runs of this run's commit, or between the recent runs of its branch that share a
commit. A case that failed every time is broken, not flaky; a skip says nothing either way;
runs whose commit is unknown cannot show that the code did not change, so they are left out.
"""

from __future__ import annotations

from signoff.history import store
from signoff.history.db import Database
from signoff.history.facts import RunFacts
from signoff.history.view import FlakyTest, Outcome

FAILED = ("failed", "error")


def _flips(history: list[Outcome]) -> bool:
    by_commit: dict[str, set[str]] = {}
    for item in history:
        if item.commit:
            by_commit.setdefault(item.commit, set()).add(item.outcome)
    return any("passed" in seen and seen & set(FAILED) for seen in by_commit.values())


def flaky(db: Database, facts: RunFacts, recent: int) -> tuple[FlakyTest, ...]:
    """The flaky test cases seen from this run, each with its outcomes, oldest first."""
    chosen = store.runs(db, branch=facts.branch, limit=recent)
    if facts.commit:
        chosen += store.runs(db, commit=facts.commit)
    runs = {r.run_id: r for r in chosen}
    order = sorted(runs.values(), key=lambda r: (r.started_at, r.run_id))
    position = {r.run_id: i for i, r in enumerate(order)}
    cases: dict[tuple[str, str], list[Outcome]] = {}
    for run_id, layer, test, outcome in store.outcome_rows(db, list(runs)):
        cases.setdefault((layer, test), []).append(Outcome(run_id, runs[run_id].commit, outcome))
    found = []
    for (layer, test), history in sorted(cases.items()):
        history.sort(key=lambda o: position[o.run_id])
        if _flips(history):
            found.append(FlakyTest(layer, test, tuple(history)))
    return tuple(found)
