"""Summaries of completed runs, per job and per tenant, served through the tagged cache."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
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
from ledger.summaries import empty_job_summary, job_summary, job_tags, tenant_summary, tenant_tags
from ledger.upload_schema import DATE_PATTERN

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
    # A job without a completed run has an empty summary (run_id null), not a missing one:
    # the job exists, so its summary link resolves.
    result: dict[str, Any] = value if value is not None else empty_job_summary(job_id)
    return result


def _date_query(alias: str, description: str) -> Any:
    # A string with a strict pattern: pydantic's date type would also accept numbers (epochs).
    return Query(
        alias=alias,
        description=description,
        pattern=f"^{DATE_PATTERN}$",  # calendar dates only, so 2024-02-30 is off the schema too
        json_schema_extra={"format": "date"},
    )


def _invalid(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ["query", name], "msg": message, "type": "value_error"}])


def _parse_date(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid(name, f"{text!r} is not a calendar date.") from None


@router.get(
    "/api/v1/reports/summary",
    response_model=TenantSummary,
    responses={
        200: {"headers": _CACHE_HEADER},
        422: {"description": "A date is not a YYYY-MM-DD calendar date, or 'from' is after 'to'"},
    },
)
def get_tenant_summary(
    tenant: TenantDep,
    db: DbDep,
    cache: CacheDep,
    response: Response,
    start_text: Annotated[str | None, _date_query("from", "First day (UTC), inclusive")] = None,
    end_text: Annotated[str | None, _date_query("to", "Last day (UTC), inclusive")] = None,
) -> dict[str, Any]:
    start, end = _parse_date("from", start_text), _parse_date("to", end_text)
    if start is not None and end is not None and start > end:
        raise _invalid("from", "'from' must not be after 'to'.")

    def compute() -> dict[str, Any]:
        with db.connection() as conn:
            return tenant_summary(conn, tenant.tenant_id, start, end)

    key = f"summary:tenant:{tenant.tenant_id}:{start}:{end}"
    value, hit = cache.get_or_compute(key, tenant_tags(tenant.tenant_id), compute)
    response.headers["X-Cache"] = "hit" if hit else "miss"
    result: dict[str, Any] = value
    return result
