"""`signoff history`: the stored runs, newest first (filtered by branch or profile), and
`signoff history show RUN`: everything stored of one run; a table, or JSON with `--json`."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from signoff.config import Config
from signoff.errors import UsageError
from signoff.history import store
from signoff.history.db import connect, location
from signoff.history.store import StoredRun

HEAD = ("run", "started", "branch", "commit", "profile", "provider", "verdict")


def _row(run: StoredRun) -> tuple[str, ...]:
    started = run.started_at[:19].replace("T", " ")
    return (run.run_id, started, run.branch, run.commit[:8], run.profile, run.provider, run.verdict)


def table(rows: Sequence[Sequence[object]], head: tuple[str, ...]) -> str:
    """Plain columns, as wide as their widest cell."""
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    header = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    return "\n".join([header, *(line.rstrip() for line in lines)]) + "\n"


def _runs(cfg: Config, branch: str | None, profile: str | None, limit: int) -> list[StoredRun]:
    if not cfg.history.url and not (cfg.root / cfg.history.path).is_file():
        return []  # nothing stored yet: listing makes no store
    db = connect(cfg.history, cfg.root)
    try:
        return store.runs(db, branch=branch, profile=profile, limit=limit)
    finally:
        db.close()


def listing(cfg: Config, branch: str | None, profile: str | None, limit: int, as_json: bool) -> int:
    if limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}.")
    found = _runs(cfg, branch, profile, limit)
    if as_json:
        sys.stdout.write(json.dumps([r.to_json() for r in found], indent=2) + "\n")
    elif found:
        sys.stdout.write(table([_row(r) for r in found], HEAD))
    else:
        print(f"No stored runs in {location(cfg.history, cfg.root)}.")
    return 0


def _show_text(data: dict[str, Any]) -> str:
    lines = [
        f"Run {data['run_id']}: {data['verdict']} · profile {data['profile']} · "
        f"branch {data['branch'] or '?'} · commit {data['commit_sha'] or '?'}",
        f"Started {data['started_at']} · provider {data['provider']} · machine {data['machine']}",
        "",
    ]
    layers = [
        (
            r["layer"],
            r["status"],
            "required" if r["required"] else "advisory",
            f"{r['duration_s']:g} s",
        )
        for r in data["layers"]
    ]
    lines.append(table(layers, ("layer", "status", "kind", "duration")))
    figures = [
        (r["layer"], r["name"], f"{r['value']:g}{r['unit'] and ' ' + r['unit']}")
        for r in data["figures"]
    ]
    if figures:
        lines.append(table(figures, ("layer", "figure", "value")))
    counts: dict[str, int] = {}
    for test in data["tests"]:
        counts[test["outcome"]] = counts.get(test["outcome"], 0) + 1
    told = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    lines.append(f"Test cases: {told or 'none stored'}; checks: {len(data['checks'])}.")
    return "\n".join(lines) + "\n"


def show(cfg: Config, run_id: str, as_json: bool) -> int:
    db = connect(cfg.history, cfg.root)
    try:
        data = store.detail(db, run_id)
    finally:
        db.close()
    if data is None:
        raise UsageError(
            f"The run store {db.where} holds no run {run_id!r}.",
            hint="run `signoff history` to list the stored runs.",
        )
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if as_json else _show_text(data))
    return 0
