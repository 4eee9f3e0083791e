"""Operator endpoints: Prometheus exposition and, only when enabled, deliberate faults."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ledger.api.deps import DbDep
from ledger.core.metrics import CONTENT_TYPE_LATEST, render

router = APIRouter(tags=["ops"])
faults_router = APIRouter(prefix="/_faults", tags=["faults"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(db: DbDep) -> Response:
    db.update_gauges()
    return Response(render(), media_type=CONTENT_TYPE_LATEST)


@faults_router.post("/stall")
def stall(
    request: Request, seconds: Annotated[float, Query(gt=0, le=120)] = 1.0
) -> dict[str, float]:
    """Every request arriving in the next `seconds` waits until the stall ends."""
    until = time.monotonic() + seconds
    request.app.state.stall_until = until
    return {"stalled_for_s": seconds}
