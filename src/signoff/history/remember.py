"""The report's one call into the store: keep this run, then read back its trends and flaky
tests for the renderings. A store that fails costs one warning line, never the run."""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING

from signoff.history import documents, source, store
from signoff.history import facts as facts_mod
from signoff.history.db import Database, connect, location
from signoff.history.flaky import flaky
from signoff.history.trends import trends
from signoff.history.view import FlakyTest, HistoryView
from signoff.records import Status
from signoff.verdicts import Gate

if TYPE_CHECKING:
    from signoff.config import Config
    from signoff.report.results import Results

GATE = "history / flaky tests"


def flaky_gate(found: tuple[FlakyTest, ...]) -> Gate:
    """The required gate of `[history] flaky = "gate"`: no test case may be flaky."""
    names = ", ".join(f"{f.layer}::{f.test}" for f in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return Gate(
        GATE,
        Status.FAIL if found else Status.PASS,
        len(found),
        0,
        "==",
        message=f"Flaky test cases: {names}{more}." if found else "",
        layer="history",
        required=True,
    )


def _view(db: Database, results: Results, config: Config) -> Results:
    settings = config.history
    commit, branch = source.revision(config.root)
    stored = store.save(db, facts_mod.of(results, commit, branch))
    documents.save(db, stored.run_id, results.to_json())
    found = flaky(db, stored, settings.trend_runs)
    if settings.flaky == "gate":
        results = dataclasses.replace(results, gates=[*results.gates, flaky_gate(found)])
        if results.verdict.value != stored.verdict:
            stored = store.set_verdict(db, stored, results.verdict.value)
    store.prune(db, settings.keep)
    view = HistoryView(
        branch=stored.branch,
        main=settings.main,
        policy=settings.flaky,
        where=db.where,
        trends=trends(db, stored, settings.main, settings.trend_runs),
        flaky=found,
    )
    return dataclasses.replace(results, history=view)


def remember(results: Results, config: Config) -> Results:
    """Store the run and give its results the store's view; unchanged when the store is off
    or fails (then one warning line on stderr says why)."""
    settings = config.history
    if not settings.enabled:
        return results
    try:
        db = connect(settings, config.root)
    except Exception as exc:
        _warn(location(settings, config.root), exc)
        return results
    try:
        return _view(db, results, config)
    except Exception as exc:
        _warn(db.where, exc)
        return results
    finally:
        db.close()


def _warn(where: str, exc: Exception) -> None:
    text = str(exc).strip()
    reason = getattr(exc, "message", None) or (text.splitlines()[0] if text else "")
    print(
        f"signoff: warning: the run was not stored in the run history ({where}): "
        f"{reason or type(exc).__name__}",
        file=sys.stderr,
    )
