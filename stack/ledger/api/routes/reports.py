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


def _date_query(alias: str, description: str) -> Any:
    # A string with a strict pattern: pydantic's date type would also accept numbers (epochs).
    return Query(
        alias=alias,
        description=description,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        json_schema_extra={"format": "date"},
    )


def _parse_date(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RequestValidationError(
            [
                {
                    "loc": ["query", name],
                    "msg": f"{text!r} is not a calendar date.",
                    "type": "value_error",
                }
            ]
        ) from None


@router.get(
    "/api/v1/reports/summary",
    response_model=TenantSummary,
    responses={200: {"headers": _CACHE_HEADER}, 422: {"description": "A date is not YYYY-MM-DD"}},
)
def get_tenant_summary(
    tenant: TenantDep,
    db: DbDep,
    cache: CacheDep,
    response: Response,
    start_text: Annotated[str | None, _date_query("from", "First day (UTC), inclusive")] = None,
    end_text: Annotated[str | None, _date_query("to", "Last day (UTC), inclusive")] = None,
) -> dict[str, Any]:
    # A range whose start is after its end is empty, not an error: the answer is zeros.
    start, end = _parse_date("from", start_text), _parse_date("to", end_text)

    def compute() -> dict[str, Any]:
        with db.connection() as conn:
            return tenant_summary(conn, tenant.tenant_id, start, end)

    key = f"summary:tenant:{tenant.tenant_id}:{start}:{end}"
    value, hit = cache.get_or_compute(key, tenant_tags(tenant.tenant_id), compute)
    response.headers["X-Cache"] = "hit" if hit else "miss"
    result: dict[str, Any] = value
    return result
