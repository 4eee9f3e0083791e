"""The readiness route: 200 once the database answers and the migrations ran."""

from __future__ import annotations

import psycopg
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...core.db import connect, schema_ready
from ...models import ErrorOut
from ..deps import SettingsDep

router = APIRouter(prefix="/utils", tags=["utils"])


@router.get(
    "/health-check/",
    response_model=bool,
    responses={503: {"model": ErrorOut, "description": "No database, or no migrations yet."}},
)
def health_check(settings: SettingsDep) -> JSONResponse:
    try:
        with connect(settings) as conn:
            ready = schema_ready(conn)
    except psycopg.Error:
        ready = False
    if not ready:
        return JSONResponse({"detail": "Database not ready"}, status_code=503)
    return JSONResponse(True)
