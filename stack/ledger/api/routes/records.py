"""Record sets: replace one side of a job (CSV or JSON), list a side."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ledger.api.deps import (
    AUTH_RESPONSES,
    NOT_FOUND,
    CacheDep,
    DbDep,
    IdPath,
    PageQuery,
    TenantDep,
    active_job,
)
from ledger.api.schemas import (
    Page,
    Problem,
    RecordErrors,
    RecordOut,
    RecordsStored,
    Side,
    ValidationProblem,
)
from ledger.core.db import Database, execute, fetchall, fetchone_required
from ledger.core.metrics import DB_QUERY_DURATION
from ledger.parsing import MEDIA_TYPES, ParseError, Record, parse_records
from ledger.summaries import job_tags
from ledger.upload_schema import CSV_EXAMPLE, JSON_EXAMPLE, csv_body_schema, json_body_schema

router = APIRouter(prefix="/api/v1/jobs/{job_id}/records", tags=["records"])

MAX_UPLOAD_BYTES = 32 * 1024 * 1024

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            MEDIA_TYPES["csv"]: {"schema": csv_body_schema(), "example": CSV_EXAMPLE},
            MEDIA_TYPES["json"]: {"schema": json_body_schema(), "example": JSON_EXAMPLE},
        },
    }
}


def _store(db: Database, tenant_id: int, job_id: int, side: str, records: list[Record]) -> None:
    with db.connection() as conn:
        job = active_job(conn, tenant_id, job_id, lock=True)
        upload = fetchone_required(
            conn,
            "INSERT INTO uploads (job_id, side, count) VALUES (%s, %s, %s) RETURNING id",
            (job_id, side, len(records)),
        )
        upload_id = int(upload["id"])
        with (
            DB_QUERY_DURATION.time(),
            conn.cursor() as cur,
            cur.copy(
                "COPY records (upload_id, position, reference, date, amount, currency, description)"
                " FROM STDIN"
            ) as copy,
        ):
            for position, r in enumerate(records, start=1):
                copy.write_row(
                    (upload_id, position, r.reference, r.date, r.amount, r.currency, r.description)
                )
        if side == "left":
            execute(conn, "UPDATE jobs SET left_upload_id = %s WHERE id = %s", (upload_id, job_id))
        else:
            execute(conn, "UPDATE jobs SET right_upload_id = %s WHERE id = %s", (upload_id, job_id))
        previous = job[f"{side}_upload_id"]
        if previous is not None:
            # Records no run points at are garbage once replaced; runs keep theirs.
            execute(
                conn,
                "DELETE FROM records WHERE upload_id = %(u)s AND NOT EXISTS ("
                " SELECT 1 FROM runs WHERE left_upload_id = %(u)s OR right_upload_id = %(u)s)",
                {"u": previous},
            )


@router.put(
    "/{side}",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordsStored,
    openapi_extra=_UPLOAD_BODY,
    responses={
        **AUTH_RESPONSES,
        **NOT_FOUND,
        413: {"model": Problem, "description": "Upload too large"},
        415: {"model": Problem, "description": "Unsupported content type"},
        422: {
            "model": RecordErrors | ValidationProblem,
            "description": "Rows that failed validation, or a bad path parameter",
        },
    },
)
async def put_records(
    job_id: IdPath, side: Side, request: Request, tenant: TenantDep, db: DbDep, cache: CacheDep
) -> Any:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES.values():
        return JSONResponse(
            {"detail": f"Send records as {' or '.join(MEDIA_TYPES.values())}."},
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_UPLOAD_BYTES:
            return JSONResponse(
                {"detail": f"Uploads are limited to {MAX_UPLOAD_BYTES} bytes."},
                status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            )
    try:
        records = await run_in_threadpool(parse_records, media_type, bytes(body))
    except ParseError as exc:
        return JSONResponse(
            {"detail": [e.as_dict() for e in exc.errors]},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    await run_in_threadpool(_store, db, tenant.tenant_id, job_id, side, records)
    cache.invalidate(job_tags(tenant.tenant_id, job_id))
    return {"side": side, "count": len(records)}


@router.get("/{side}", response_model=Page[RecordOut], responses={**AUTH_RESPONSES, **NOT_FOUND})
def list_records(
    job_id: IdPath, side: Side, tenant: TenantDep, db: DbDep, page: PageQuery
) -> dict[str, Any]:
    with db.connection() as conn:
        job = active_job(conn, tenant.tenant_id, job_id)
        upload_id = job[f"{side}_upload_id"]
        total = fetchone_required(
            conn, "SELECT count(*) AS n FROM records WHERE upload_id = %s", (upload_id,)
        )["n"]
        rows = fetchall(
            conn,
            "SELECT id, position AS row, reference, date, amount, currency, description"
            " FROM records WHERE upload_id = %s ORDER BY position LIMIT %s OFFSET %s",
            (upload_id, page.limit, page.offset),
        )
    return {"items": rows, "total": total, "limit": page.limit, "offset": page.offset}
