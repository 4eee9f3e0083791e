"""Request-scoped dependencies: state handles, authentication, pagination, error shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request, status

from ledger.api.schemas import Problem
from ledger.core.cache import TaggedCache
from ledger.core.config import Settings
from ledger.core.db import Conn, Database, fetchone
from ledger.core.security import Principal, authenticate, parse_bearer

__all__ = [
    "AUTH_RESPONSES",
    "BAD_BODY",
    "NOT_FOUND",
    "CacheDep",
    "DbDep",
    "IdPath",
    "PageParams",
    "PageQuery",
    "SettingsDep",
    "TenantDep",
    "active_job",
    "not_found",
]

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, malformed, unknown or revoked API key"},
    503: {"model": Problem, "description": "The database is unavailable"},
}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body could not be parsed"},
    422: {"description": "The body or a parameter failed validation"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such object for this tenant"},
}


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _cache(request: Request) -> TaggedCache:
    cache: TaggedCache = request.app.state.cache
    return cache


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Bounded so an out-of-range id is a 422, not a database error.
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]

DbDep = Annotated[Database, Depends(_db)]
CacheDep = Annotated[TaggedCache, Depends(_cache)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


# The stale_after_revoke fault: keys once accepted are remembered by this process and never
# looked up again, as an authentication cache that revocation does not clear would do.
_accepted_keys: dict[str, Principal] = {}


def current_tenant(request: Request, db: DbDep, settings: SettingsDep) -> Principal:
    token = parse_bearer(request.headers.get("authorization"))
    if token is None:
        raise _unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    remember = settings.has_fault("stale_after_revoke")
    principal = _accepted_keys.get(token) if remember else None
    if principal is None:
        with db.connection() as conn:
            principal = authenticate(conn, token)
    if principal is None:
        raise _unauthorized("The API key is unknown or revoked.")
    if remember:
        _accepted_keys[token] = principal
    return principal


TenantDep = Annotated[Principal, Depends(current_tenant)]


MAX_OFFSET = 10**9  # far past any real list, and well inside PostgreSQL's bigint


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def _page(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


PageQuery = Annotated[PageParams, Depends(_page)]


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found.")


def active_job(conn: Conn, tenant_id: int, job_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The tenant's live job or a 404; another tenant's job is indistinguishable from none."""
    sql = (
        "SELECT * FROM jobs WHERE id = %s AND tenant_id = %s AND deleted_at IS NULL FOR UPDATE"
        if lock
        else "SELECT * FROM jobs WHERE id = %s AND tenant_id = %s AND deleted_at IS NULL"
    )
    row = fetchone(conn, sql, (job_id, tenant_id))
    if row is None:
        raise not_found("Job")
    return dict(row)
