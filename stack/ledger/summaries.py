"""Summary reports read from run_summaries, and the cache tags that guard them."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.core.db import Conn, fetchone, fetchone_required
from ledger.matching import match_rate

__all__ = [
    "empty_job_summary",
    "job_summary",
    "job_tags",
    "run_tags",
    "tenant_summary",
    "tenant_tags",
]

# A read is tagged with what its answer depends on, and a write bumps only what it changes: a
# job's summary depends on that job alone, so work on other jobs of the tenant leaves it cached.


def tenant_tags(tenant_id: int) -> list[str]:
    """The tenant summary's tags: it changes when any of the tenant's runs completes or a job
    with runs is deleted."""
    return [f"tenant:{tenant_id}"]


def job_tags(tenant_id: int, job_id: int) -> list[str]:
    """A job summary's tags; a write to the job's own inputs (records, rules) bumps them."""
    return [f"job:{tenant_id}:{job_id}"]


def run_tags(tenant_id: int, job_id: int) -> list[str]:
    """What a completed run or a deleted job changes: the job's summary and its tenant's."""
    return [*tenant_tags(tenant_id), *job_tags(tenant_id, job_id)]


def job_summary(conn: Conn, job_id: int) -> dict[str, Any] | None:
    """The latest completed run of the job, or None when it has none."""
    row = fetchone(
        conn,
        "SELECT run_id, matched, unmatched_left, unmatched_right, duration_ms"
        " FROM run_summaries WHERE job_id = %s ORDER BY completed_at DESC, run_id DESC LIMIT 1",
        (job_id,),
    )
    if row is None:
        return None
    return {
        "job_id": job_id,
        "run_id": row["run_id"],
        "matched": row["matched"],
        "unmatched_left": row["unmatched_left"],
        "unmatched_right": row["unmatched_right"],
        "match_rate": match_rate(row["matched"], row["unmatched_left"], row["unmatched_right"]),
        "duration_ms": row["duration_ms"],
    }


def empty_job_summary(job_id: int) -> dict[str, Any]:
    """The summary of a job with no completed run: no run, zero counts, like an empty report."""
    return {
        "job_id": job_id,
        "run_id": None,
        "matched": 0,
        "unmatched_left": 0,
        "unmatched_right": 0,
        "match_rate": match_rate(0, 0, 0),
        "duration_ms": None,
    }


def tenant_summary(
    conn: Conn, tenant_id: int, start: date | None, end: date | None
) -> dict[str, Any]:
    """Totals over the tenant's live jobs' runs completed between start and end (inclusive)."""
    row = fetchone_required(
        conn,
        "SELECT count(DISTINCT s.job_id) AS jobs, count(*) AS runs,"
        " COALESCE(sum(s.matched), 0) AS matched,"
        " COALESCE(sum(s.unmatched_left), 0) AS unmatched_left,"
        " COALESCE(sum(s.unmatched_right), 0) AS unmatched_right"
        " FROM run_summaries s JOIN jobs j ON j.id = s.job_id AND j.deleted_at IS NULL"
        " WHERE s.tenant_id = %(tenant)s"
        " AND (%(start)s::date IS NULL OR (s.completed_at AT TIME ZONE 'UTC')::date >= %(start)s)"
        " AND (%(end)s::date IS NULL OR (s.completed_at AT TIME ZONE 'UTC')::date <= %(end)s)",
        {"tenant": tenant_id, "start": start, "end": end},
    )
    matched = int(row["matched"])
    left, right = int(row["unmatched_left"]), int(row["unmatched_right"])
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "jobs": int(row["jobs"]),
        "runs": int(row["runs"]),
        "matched": matched,
        "unmatched_left": left,
        "unmatched_right": right,
        "match_rate": match_rate(matched, left, right),
    }
