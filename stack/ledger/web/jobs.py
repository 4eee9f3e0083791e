"""Job pages: the list, creating a job with its rules, uploading record files, starting a run.

They call the same route functions as the JSON API, so tenancy, validation and cache
invalidation have one home; an upload goes through the API's own parser and store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from ledger.api.deps import CacheDep, DbDep, IdPath, PageParams
from ledger.api.routes import jobs as jobs_api
from ledger.api.routes import runs as runs_api
from ledger.api.routes.records import MAX_UPLOAD_BYTES
from ledger.api.routes.records import _store as store_records
from ledger.api.schemas import JobCreate, Side
from ledger.core.db import Database
from ledger.core.security import Principal
from ledger.parsing import MEDIA_TYPES, FieldError, ParseError, parse_records
from ledger.summaries import job_tags
from ledger.web.auth import WebTenant, same_origin
from ledger.web.render import PageRoute, page

__all__ = ["PAGE_SIZE", "router"]

PAGE_SIZE = 20
router = APIRouter(
    route_class=PageRoute, include_in_schema=False, dependencies=[Depends(same_origin)]
)


def _jobs_page(
    request: Request, tenant: Principal, db: Database, number: int, **extra: Any
) -> Response:
    listing = jobs_api.list_jobs(tenant, db, PageParams(PAGE_SIZE, (number - 1) * PAGE_SIZE))
    pages = max(1, -(-int(listing["total"]) // PAGE_SIZE))
    extra.setdefault("errors", [])
    extra.setdefault("form", {"name": "", "amount_tolerance": "0.05", "date_window_days": "3"})
    status_code = extra.pop("status_code", 200)
    return page(
        request,
        "jobs.html",
        status_code,
        jobs=listing["items"],
        number=number,
        pages=pages,
        **extra,
    )


@router.get("/jobs")
def jobs_list(
    request: Request,
    tenant: WebTenant,
    db: DbDep,
    number: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> Response:
    return _jobs_page(request, tenant, db, number)


@router.post("/jobs")
def jobs_create(
    request: Request,
    tenant: WebTenant,
    db: DbDep,
    name: Annotated[str, Form()] = "",
    amount_tolerance: Annotated[str, Form()] = "",
    date_window_days: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "name": name,
        "amount_tolerance": amount_tolerance,
        "date_window_days": date_window_days,
    }
    try:
        body = JobCreate.model_validate(form)
    except ValidationError as exc:
        labels = {
            "name": "Job name",
            "amount_tolerance": "Amount tolerance",
            "date_window_days": "Date window (days)",
        }
        errors = [
            f"{labels.get(str(e['loc'][0]), str(e['loc'][0]))}: {e['msg']}." for e in exc.errors()
        ]
        return _jobs_page(request, tenant, db, 1, errors=errors, form=form, status_code=422)
    job = jobs_api.create_job(body, tenant, db)
    return RedirectResponse(f"/jobs/{job['id']}", status_code=303)


def _job_page(
    request: Request, tenant: Principal, db: Database, job_id: int, **extra: Any
) -> Response:
    job = jobs_api.get_job(job_id, tenant, db)
    runs = runs_api.list_runs(job_id, tenant, db, PageParams(10, 0))["items"]
    extra.setdefault("errors", [])
    extra.setdefault("notice", None)
    status_code = extra.pop("status_code", 200)
    return page(request, "job.html", status_code, job=job, runs=runs, **extra)


@router.get("/jobs/{job_id}")
def job_detail(
    request: Request,
    job_id: IdPath,
    tenant: WebTenant,
    db: DbDep,
    uploaded: Annotated[Side | None, Query()] = None,
) -> Response:
    notice = None
    if uploaded is not None:
        notice = f"The {uploaded} records were stored."
    return _job_page(request, tenant, db, job_id, notice=notice)


def _media_type(upload: UploadFile) -> str | None:
    name = (upload.filename or "").lower()
    for suffix, media in MEDIA_TYPES.items():
        if name.endswith(f".{suffix}"):
            return media
    given = (upload.content_type or "").split(";")[0].strip().lower()
    return given if given in MEDIA_TYPES.values() else None


def _describe(error: FieldError) -> str:
    where = "The file" if error.row == 0 else f"Row {error.row}"
    return f"{where}, {error.field}: {error.message}"


@router.post("/jobs/{job_id}/records/{side}")
async def job_upload(
    request: Request, job_id: IdPath, side: Side, tenant: WebTenant, db: DbDep, cache: CacheDep
) -> Response:
    # The job must be the tenant's before anything of the body is read.
    await run_in_threadpool(jobs_api.get_job, job_id, tenant, db)
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    errors: list[str] = []
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.append(f"Choose a {side} records file (.csv or .json) to upload.")
    else:
        media = _media_type(upload)
        body = await upload.read(MAX_UPLOAD_BYTES + 1)
        if media is None:
            errors.append("Records must be a .csv or .json file.")
        elif len(body) > MAX_UPLOAD_BYTES:
            errors.append(f"Uploads are limited to {MAX_UPLOAD_BYTES} bytes.")
        else:
            try:
                records = await run_in_threadpool(parse_records, media, body)
            except ParseError as exc:
                errors.extend(_describe(e) for e in exc.errors)
            else:
                await run_in_threadpool(store_records, db, tenant.tenant_id, job_id, side, records)
                cache.invalidate(job_tags(tenant.tenant_id, job_id))
                return RedirectResponse(f"/jobs/{job_id}?uploaded={side}", status_code=303)
    heading = f"The {side} records were not stored."
    return await run_in_threadpool(
        _job_page, request, tenant, db, job_id, errors=errors, heading=heading, status_code=422
    )


@router.post("/jobs/{job_id}/runs")
def job_run(request: Request, job_id: IdPath, tenant: WebTenant, db: DbDep) -> Response:
    try:
        run = runs_api.create_run(job_id, tenant, db)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        heading = "The run was not started."
        return _job_page(
            request,
            tenant,
            db,
            job_id,
            errors=[str(exc.detail)],
            heading=heading,
            status_code=409,
        )
    return RedirectResponse(f"/runs/{run['id']}", status_code=303)
