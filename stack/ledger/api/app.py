"""The FastAPI application factory: routes, error handlers, lifespan of pool and cache."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp

from ledger import __version__
from ledger.api.middleware import ObservedApp
from ledger.api.routes import adapters, health, jobs, keys, ops, records, reports, runs, webhooks
from ledger.core.cache import RedisBackend, TaggedCache
from ledger.core.config import Settings
from ledger.core.db import DB_UNAVAILABLE_ERRORS, Database
from ledger.core.metrics import mark_process_dead
from ledger.web import router as web_router

__all__ = ["create_app"]

log = logging.getLogger("ledger.api")

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
DB_DOWN_MESSAGE = "The database is unavailable; retry shortly."


def _build(settings: Settings) -> FastAPI:
    db = Database(settings.database_url, max_size=settings.db_pool_max)
    backend = RedisBackend(settings.redis_url)
    # stale_after_expiry: entries outlive the configured TTL by far (a day), as when a TTL
    # setting is lost on the way to the backend.
    ttl_s = 86400.0 if settings.has_fault("stale_after_expiry") else settings.cache_ttl_s
    cache = TaggedCache(
        backend,
        ttl_s=ttl_s,
        invalidation_enabled=not settings.has_fault("no_cache_invalidation"),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db.open()
        try:
            yield
        finally:
            db.close()
            backend.close()
            mark_process_dead()

    app = FastAPI(
        title="ledger",
        version=__version__,
        description="Multi-tenant ledger reconciliation service (signoff's reference stack).",
        docs_url=None,  # the CDN-based UIs would load external assets
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.cache = cache
    app.state.stall_until = 0.0

    for module in (health, adapters, keys, jobs, records, runs, reports, webhooks, ops):
        app.include_router(module.router)
    app.include_router(web_router)  # the server-rendered pages (ledger.web)
    if settings.has_fault("stall"):
        app.include_router(ops.faults_router)

    async def db_down(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse({"detail": DB_DOWN_MESSAGE}, status_code=503)

    for error in DB_UNAVAILABLE_ERRORS:
        app.add_exception_handler(error, db_down)

    async def http_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, StarletteHTTPException):
            raise exc
        if exc.status_code != 405:
            return await http_exception_handler(request, exc)
        # One route per method: Starlette's Allow names only the first route that matched
        # the path, so ask every route which methods it would take for this path.
        allowed = {
            method
            for method in _METHODS
            for route in app.routes
            if route.matches({**request.scope, "method": method})[0] == Match.FULL
        }
        return JSONResponse(
            {"detail": "Method Not Allowed"},
            status_code=405,
            headers={"Allow": ", ".join(sorted(allowed))},
        )

    app.add_exception_handler(StarletteHTTPException, http_error)

    async def internal_error(request: Request, exc: Exception) -> Response:
        # The traceback goes to the log only: responses never reveal code or paths.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "Internal server error."}, status_code=500)

    app.add_exception_handler(Exception, internal_error)

    if settings.has_fault("error_on_bad_field"):

        async def broken_validation(request: Request, exc: Exception) -> Response:
            if request.method == "POST" and request.url.path == "/api/v1/jobs":
                raise RuntimeError("fault error_on_bad_field: validation error left unhandled")
            if not isinstance(exc, RequestValidationError):
                raise exc
            return await request_validation_exception_handler(request, exc)

        app.add_exception_handler(RequestValidationError, broken_validation)
    return app


def create_app(settings: Settings | None = None) -> ASGIApp:
    """The ASGI app, wrapped so headers and metrics cover every response."""
    app = _build(settings or Settings.from_env())
    return ObservedApp(app, app.state)
