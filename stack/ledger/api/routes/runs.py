"""Reconciliation runs: queue one, follow it, read its matches and unmatched records."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status

from ledger.api.deps import (
    AUTH_RESPONSES,
    NOT_FOUND,
    DbDep,
    IdPath,
    PageQuery,
    TenantDep,
    active_job,
    not_found,
)
from ledger.api.schemas import MatchOut, Page, Problem, RecordOut, RunAccepted, RunOut
from ledger.core.db import Conn, fetchall, fetchone, fetchone_required
from ledger.matching import match_rate

router = APIRouter(tags=["runs"], responses={**AUTH_RESPONSES, **NOT_FOUND})

_RUN_COLUMNS = (
    "r.id, r.job_id, r.status, r.created_at, r.started_at, r.finished_at, r.duration_ms,"
    " r.matched, r.unmatched_left, r.unmatched_right, r.error"
)


def _run_out(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    done = row["status"] == "completed"
    out["match_rate"] = (
        match_rate(row["matched"], row["unmatched_left"], row["unmatched_right"]) if done else None
    )
    return out


def _visible_run(conn: Conn, tenant_id: int, run_id: int) -> dict[str, Any]:
    row = fetchone(
        conn,
        "SELECT " + _RUN_COLUMNS + " FROM runs r JOIN jobs j ON j.id = r.job_id"
        " WHERE r.id = %s AND r.tenant_id = %s AND j.deleted_at IS NULL",
        (run_id, tenant_id),
    )
    if row is None:
        raise not_found("Run")
    return dict(row)


@router.post(
    "/api/v1/jobs/{job_id}/runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunAccepted,
    responses={409: {"model": Problem, "description": "A side has no records yet"}},
)
def create_run(job_id: IdPath, tenant: TenantDep, db: DbDep) -> dict[str, Any]:
    with db.connection() as conn:
        job = active_job(conn, tenant.tenant_id, job_id)
        missing = [s for s in ("left", "right") if job[f"{s}_upload_id"] is None]
        if missing:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"Upload records for the {' and '.join(missing)} side before starting a run.",
            )
        row = fetchone_required(
            conn,
            "INSERT INTO runs (job_id, tenant_id, left_upload_id, right_upload_id)"
            " VALUES (%s, %s, %s, %s) RETURNING id, status",
            (job_id, tenant.tenant_id, job["left_upload_id"], job["right_upload_id"]),
        )
    return dict(row)


@router.get("/api/v1/jobs/{job_id}/runs", response_model=Page[RunOut])
def list_runs(job_id: IdPath, tenant: TenantDep, db: DbDep, page: PageQuery) -> dict[str, Any]:
    with db.connection() as conn:
        active_job(conn, tenant.tenant_id, job_id)
        total = fetchone_required(
            conn, "SELECT count(*) AS n FROM runs WHERE job_id = %s", (job_id,)
        )["n"]
        rows = fetchall(
            conn,
            "SELECT " + _RUN_COLUMNS + " FROM runs r WHERE r.job_id = %s"
            " ORDER BY r.id DESC LIMIT %s OFFSET %s",
            (job_id, page.limit, page.offset),
        )
    items = [_run_out(dict(r)) for r in rows]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.get("/api/v1/runs/{run_id}", response_model=RunOut)
def get_run(run_id: IdPath, tenant: TenantDep, db: DbDep) -> dict[str, Any]:
    with db.connection() as conn:
        return _run_out(_visible_run(conn, tenant.tenant_id, run_id))


@router.get("/api/v1/runs/{run_id}/matches", response_model=Page[MatchOut])
def list_matches(run_id: IdPath, tenant: TenantDep, db: DbDep, page: PageQuery) -> dict[str, Any]:
    with db.connection() as conn:
        run = _visible_run(conn, tenant.tenant_id, run_id)
        rows = fetchall(
            conn,
            "SELECT left_record_id, left_reference, right_record_id, right_reference, kind"
            " FROM matches WHERE run_id = %s ORDER BY position LIMIT %s OFFSET %s",
            (run_id, page.limit, page.offset),
        )
    items = [
        {
            "left": {"id": r["left_record_id"], "reference": r["left_reference"]},
            "right": {"id": r["right_record_id"], "reference": r["right_reference"]},
            "kind": r["kind"],
        }
        for r in rows
    ]
    total = run["matched"] or 0
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.get("/api/v1/runs/{run_id}/unmatched", response_model=Page[RecordOut])
def list_unmatched(
    run_id: IdPath,
    tenant: TenantDep,
    db: DbDep,
    page: PageQuery,
    side: Annotated[Literal["left", "right"], Query(description="Which side's leftovers")],
) -> dict[str, Any]:
    with db.connection() as conn:
        run = _visible_run(conn, tenant.tenant_id, run_id)
        rows = fetchall(
            conn,
            "SELECT rec.id, rec.position AS row, rec.reference, rec.date, rec.amount,"
            " rec.currency, rec.description"
            " FROM unmatched u JOIN records rec ON rec.id = u.record_id"
            " WHERE u.run_id = %s AND u.side = %s ORDER BY u.position LIMIT %s OFFSET %s",
            (run_id, side, page.limit, page.offset),
        )
    total = run[f"unmatched_{side}"] or 0
    return {"items": rows, "total": total, "limit": page.limit, "offset": page.offset}
