"""A run's report document in the store, and the documents of main's earlier runs on the same
machine class as a comparison's baseline (`signoff report --baseline history`): the runs main
already measured stand in for re-measuring it, judged by the same statistics as any baseline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from signoff.errors import EvidenceError
from signoff.history.db import Database, connect
from signoff.history.machine import machine_id

if TYPE_CHECKING:
    from signoff.config import Config

HISTORY = "history"  # the baseline that names the store rather than a file


def save(db: Database, run_id: str, document: Mapping[str, Any]) -> None:
    """Keep the run's report document (a later report of the run replaces it)."""
    text = json.dumps(document, default=str)
    with db.transaction():
        db.execute("DELETE FROM documents WHERE run_id = ?", (run_id,))
        db.execute("INSERT INTO documents (run_id, document) VALUES (?, ?)", (run_id, text))


def earlier(
    db: Database, branch: str, profile: str, machine: str, exclude: str, limit: int
) -> list[dict[str, Any]]:
    """The newest `limit` documents of `branch`'s runs of `profile` on `machine`, oldest first."""
    rows = db.query(
        "SELECT d.document FROM runs r JOIN documents d ON d.run_id = r.run_id "
        "WHERE r.branch = ? AND r.profile = ? AND r.machine = ? AND r.run_id <> ? "
        "ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?",
        (branch, profile, machine, exclude, limit),
    )
    return [json.loads(str(row[0])) for row in reversed(rows)]


def baseline(
    config: Config, environment: Mapping[str, Any], profile: str, run_id: str
) -> list[dict[str, Any]]:
    """Main's stored runs this run compares with; a store without one is an error that says
    what to store first."""
    settings = config.history
    db = connect(settings, config.root)
    try:
        machine = machine_id(dict(environment))
        found = earlier(db, settings.main, profile, machine, run_id, settings.baseline_runs)
    finally:
        db.close()
    if not found:
        raise EvidenceError(
            f"The run store ({db.where}) has no run of {settings.main!r} with profile "
            f"{profile!r} on this machine class to compare with.",
            hint=f"report runs of {settings.main} with the store enabled first, or pass a "
            "report.json as --baseline.",
        )
    return found
