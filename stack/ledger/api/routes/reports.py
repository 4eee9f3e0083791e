"""Summaries of completed runs, per job and per tenant, served through the tagged cache."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

from ledger.api.deps import (
    AUTH_RESPONSES,
    NOT_FOUND,
    CacheDep,
    DbDep,
    IdPath,
    TenantDep,
    active_job,
)
from ledger.api.schemas import JobSummary, TenantSummary
from ledger.summaries import job_summary, job_tags, tenant_summary, tenant_tags

router = APIRouter(tags=["reports"], responses=AUTH_RESPONSES)

_CACHE_HEADER = {
    "X-Cache": {"description": "hit or miss", "schema": {"type": "string", "enum": ["hit", "miss"]}}
}


@router.get(
    "/api/v1/jobs/{job_id}/summary",
    response_model=JobSummary,
    responses={200: {"headers": _CACHE_HEADER}, **NOT_FOUND},
)
def get_job_summary(
    job_id: IdPath, tenant: TenantDep, db: DbDep, cache: CacheDep, response: Response
) -> dict[str, Any]:
    # Ownership is checked outside the cache so a deleted job never answers from it.
    with db.connection() as conn:
        active_job(conn, tenant.tenant_id, job_id)

    def compute() -> dict[str, Any] | None:
        with db.connection() as conn:
            return job_summary(conn, job_id)

    value, hit = cache.get_or_compute(
        f"summary:job:{job_id}", job_tags(tenant.tenant_id, job_id), compute
    )
    response.headers["X-Cache"] = "hit" if hit else "miss"
    if value is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This job has no completed run yet.")
    result: dict[str, Any] = value
    return result


@router.get(
    "/api/v1/reports/summary",
    response_model=TenantSummary,
    responses={200: {"headers": _CACHE_HEADER}, 422: {"description": "Bad date range"}},
)
def get_tenant_summary(
    tenant: TenantDep,
    db: DbDep,
    cache: CacheDep,
    response: Response,
    start: Annotated[date | None, Query(alias="from", description="First day, UTC")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day, UTC")] = None,
) -> dict[str, Any]:
    if start and end and start > end:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'from' must not be after 'to'.")

    def compute() -> dict[str, Any]:
        with db.connection() as conn:
            return tenant_summary(conn, tenant.tenant_id, start, end)

    key = f"summary:tenant:{tenant.tenant_id}:{start}:{end}"
    value, hit = cache.get_or_compute(key, tenant_tags(tenant.tenant_id), compute)
    response.headers["X-Cache"] = "hit" if hit else "miss"
    result: dict[str, Any] = value
    return result
