"""A service whose status read is under maintenance and says so with the 503 its document
declares; with OUTAGE_BUGS=crash its report read fails with an unhandled error (a 500 the
document does not declare)."""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException


def create_app() -> FastAPI:
    bugs = set(filter(None, os.environ.get("OUTAGE_BUGS", "").split(",")))
    app = FastAPI(title="outage")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/status", responses={503: {"description": "Under maintenance; retry later."}})
    def status() -> dict[str, str]:
        raise HTTPException(503, "under maintenance")

    @app.get("/api/report")
    def report() -> dict[str, int]:
        if "crash" in bugs:
            raise RuntimeError("the report's store is gone")
        return {"reports": 0}

    return app
