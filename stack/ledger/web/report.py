"""Run and report pages: a run's status (polled by web.js) and a job's report, paginated."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from ledger.api.deps import CacheDep, DbDep, IdPath, PageParams
from ledger.api.routes import jobs as jobs_api
from ledger.api.routes import reports as reports_api
from ledger.api.routes import runs as runs_api
from ledger.web.auth import WebTenant
from ledger.web.render import PageRoute, has_ui_fault, page

__all__ = ["REPORT_PAGE_SIZE", "router"]

REPORT_PAGE_SIZE = 10
PageNumber = Annotated[int, Query(ge=1, le=10**6)]
router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/runs/{run_id}")
def run_detail(request: Request, run_id: IdPath, tenant: WebTenant, db: DbDep) -> Response:
    run = runs_api.get_run(run_id, tenant, db)
    job = jobs_api.get_job(int(run["job_id"]), tenant, db)
    return page(request, "run.html", run=run, job=job)


@router.get("/runs/{run_id}/status")
def run_status(run_id: IdPath, tenant: WebTenant, db: DbDep) -> Response:
    """What the run page's script polls; only the fields the page shows."""
    run = runs_api.get_run(run_id, tenant, db)
    fields = ("status", "matched", "unmatched_left", "unmatched_right", "error")
    return JSONResponse({k: run.get(k) for k in fields}, headers={"Cache-Control": "no-store"})


def _section(total: int, number: int) -> dict[str, int]:
    pages = max(1, -(-total // REPORT_PAGE_SIZE))
    number = min(number, pages)
    return {"number": number, "pages": pages, "total": total}


@router.get("/jobs/{job_id}/report")
def job_report(
    request: Request,
    job_id: IdPath,
    tenant: WebTenant,
    db: DbDep,
    cache: CacheDep,
    matches: PageNumber = 1,
    left: PageNumber = 1,
    right: PageNumber = 1,
) -> Response:
    job = jobs_api.get_job(job_id, tenant, db)
    try:
        summary: dict[str, Any] = reports_api.get_job_summary(job_id, tenant, db, cache, Response())
    except HTTPException as exc:
        if exc.status_code != 404:
            raise
        return page(request, "report.html", job=job, summary=None, figures={})
    if summary.get("run_id") is None:  # the job has no completed run yet
        return page(request, "report.html", job=job, summary=None, figures={})
    run_id = int(summary["run_id"])
    figures = dict(summary)
    if has_ui_fault(request, "ui_report_off_by_one"):
        figures["matched"] = int(figures["matched"]) + 1
    wanted = {"matches": matches, "left": left, "right": right}
    totals = {
        "matches": int(summary["matched"]),
        "left": int(summary["unmatched_left"]),
        "right": int(summary["unmatched_right"]),
    }
    sections = {name: _section(totals[name], wanted[name]) for name in wanted}

    def window(name: str) -> PageParams:
        return PageParams(REPORT_PAGE_SIZE, (sections[name]["number"] - 1) * REPORT_PAGE_SIZE)

    pairs = runs_api.list_matches(run_id, tenant, db, window("matches"))["items"]
    leftovers = {
        side: runs_api.list_unmatched(run_id, tenant, db, window(side), side)["items"]
        for side in ("left", "right")
    }
    return page(
        request,
        "report.html",
        job=job,
        summary=summary,
        figures=figures,
        sections=sections,
        pairs=pairs,
        leftovers=leftovers,
    )
