"""Reconciliation jobs: create, list, read, patch, soft-delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from ledger.api.deps import (
    AUTH_RESPONSES,
    BAD_BODY,
    NOT_FOUND,
    CacheDep,
    DbDep,
    IdPath,
    PageQuery,
    SettingsDep,
    TenantDep,
    active_job,
    not_found,
)
from ledger.api.schemas import JobCreate, JobOut, JobPatch, Page, Problem
from ledger.core.db import Conn, execute, fetchall, fetchone, fetchone_required
from ledger.summaries import job_tags, run_tags

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], responses=AUTH_RESPONSES)

_SELECT = (
    "SELECT j.id, j.name, j.amount_tolerance, j.date_window_days, j.created_at, j.updated_at,"
    " COALESCE(l.count, 0) AS left_count, COALESCE(r.count, 0) AS right_count"
    " FROM jobs j"
    " LEFT JOIN uploads l ON l.id = j.left_upload_id"
    " LEFT JOIN uploads r ON r.id = j.right_upload_id"
)


def _load(conn: Conn, tenant_id: int, job_id: int) -> dict[str, Any]:
    row = fetchone(
        conn,
        _SELECT + " WHERE j.id = %s AND j.tenant_id = %s AND j.deleted_at IS NULL",
        (job_id, tenant_id),
    )
    if row is None:
        raise not_found("Job")
    return dict(row)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=JobOut,
    responses=BAD_BODY,
)
def create_job(body: JobCreate, tenant: TenantDep, db: DbDep) -> dict[str, Any]:
    with db.connection() as conn:
        row = fetchone_required(
            conn,
            "INSERT INTO jobs (tenant_id, name, amount_tolerance, date_window_days)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (tenant.tenant_id, body.name, body.amount_tolerance, body.date_window_days),
        )
        return _load(conn, tenant.tenant_id, int(row["id"]))


@router.get("", response_model=Page[JobOut])
def list_jobs(tenant: TenantDep, db: DbDep, page: PageQuery) -> dict[str, Any]:
    with db.connection() as conn:
        total = fetchone_required(
            conn,
            "SELECT count(*) AS n FROM jobs WHERE tenant_id = %s AND deleted_at IS NULL",
            (tenant.tenant_id,),
        )["n"]
        rows = fetchall(
            conn,
            _SELECT + " WHERE j.tenant_id = %s AND j.deleted_at IS NULL"
            " ORDER BY j.id LIMIT %s OFFSET %s",
            (tenant.tenant_id, page.limit, page.offset),
        )
    return {"items": rows, "total": total, "limit": page.limit, "offset": page.offset}


@router.get("/{job_id}", response_model=JobOut, responses=NOT_FOUND)
def get_job(job_id: IdPath, tenant: TenantDep, db: DbDep) -> dict[str, Any]:
    with db.connection() as conn:
        return _load(conn, tenant.tenant_id, job_id)


@router.patch("/{job_id}", response_model=JobOut, responses={**BAD_BODY, **NOT_FOUND})
def patch_job(
    job_id: IdPath, body: JobPatch, tenant: TenantDep, db: DbDep, cache: CacheDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    with db.connection() as conn:
        active_job(conn, tenant.tenant_id, job_id, lock=True)
        execute(
            conn,
            "UPDATE jobs SET name = COALESCE(%s, name),"
            " amount_tolerance = COALESCE(%s, amount_tolerance),"
            " date_window_days = COALESCE(%s, date_window_days), updated_at = now()"
            " WHERE id = %s",
            (
                changes.get("name"),
                changes.get("amount_tolerance"),
                changes.get("date_window_days"),
                job_id,
            ),
        )
        job = _load(conn, tenant.tenant_id, job_id)
    cache.invalidate(job_tags(tenant.tenant_id, job_id))
    return job


@router.delete(
    "/{job_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={404: {"model": Problem, "description": "Never a job of this tenant"}},
)
def delete_job(
    job_id: IdPath, tenant: TenantDep, db: DbDep, cache: CacheDep, settings: SettingsDep
) -> Response:
    with db.connection() as conn:
        row = fetchone(
            conn,
            "SELECT deleted_at FROM jobs WHERE id = %s AND tenant_id = %s FOR UPDATE",
            (job_id, tenant.tenant_id),
        )
        if row is None:
            raise not_found("Job")
        if row["deleted_at"] is None:
            execute(conn, "UPDATE jobs SET deleted_at = now() WHERE id = %s", (job_id,))
    if not settings.has_fault("stale_after_delete"):
        cache.invalidate(run_tags(tenant.tenant_id, job_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
