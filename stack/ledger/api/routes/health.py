"""Liveness and readiness: PostgreSQL down is unhealthy; Redis or the worker down is degraded."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Response, status

from ledger.api.deps import CacheDep, DbDep
from ledger.api.schemas import Liveness, Readiness
from ledger.core.db import DB_UNAVAILABLE_ERRORS, fetchone_required

router = APIRouter(prefix="/health", tags=["health"])

HEARTBEAT_STALE_S = 5.0


@router.get("/live", response_model=Liveness)
def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "PostgreSQL is unreachable"}},
)
def ready(db: DbDep, cache: CacheDep, response: Response) -> dict[str, Any]:
    components: dict[str, dict[str, Any]] = {}
    start = time.perf_counter()
    try:
        with db.connection(timeout=1.0) as conn:
            row = fetchone_required(
                conn,
                "SELECT EXTRACT(EPOCH FROM now() - max(beat_at))::float8 AS age"
                " FROM worker_heartbeats",
            )
        components["postgres"] = {
            "status": "ok",
            "latency_ms": round((time.perf_counter() - start) * 1000, 2),
        }
        age = row["age"]
        worker_ok = age is not None and age <= HEARTBEAT_STALE_S
        components["worker"] = {
            "status": "ok" if worker_ok else "down",
            "last_heartbeat_s": None if age is None else round(max(age, 0.0), 3),
        }
    except DB_UNAVAILABLE_ERRORS as exc:
        components["postgres"] = {"status": "down", "error": type(exc).__name__}
        components["worker"] = {"status": "down", "last_heartbeat_s": None}
    redis_ok = cache.probe()
    components["redis"] = {"status": "ok" if redis_ok else "down"}

    if components["postgres"]["status"] == "down":
        overall = "unhealthy"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    elif not redis_ok or components["worker"]["status"] == "down":
        overall = "degraded"
    else:
        overall = "healthy"
    return {"status": overall, "components": components}
