"""API keys of the calling tenant: issue, list, revoke."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from ledger.api.deps import (
    AUTH_RESPONSES,
    NOT_FOUND,
    DbDep,
    IdPath,
    PageQuery,
    TenantDep,
    not_found,
)
from ledger.api.schemas import KeyCreated, KeyOut, Page
from ledger.core.db import execute, fetchall, fetchone, fetchone_required
from ledger.core.security import issue_key

router = APIRouter(prefix="/api/v1/keys", tags=["keys"], responses=AUTH_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=KeyCreated)
def create_key(tenant: TenantDep, db: DbDep) -> dict[str, Any]:
    with db.connection() as conn:
        key_id, key, prefix = issue_key(conn, tenant.tenant_id)
        row = fetchone_required(conn, "SELECT created_at FROM api_keys WHERE id = %s", (key_id,))
    return {"id": key_id, "key": key, "prefix": prefix, "created_at": row["created_at"]}


@router.get("", response_model=Page[KeyOut])
def list_keys(tenant: TenantDep, db: DbDep, page: PageQuery) -> dict[str, Any]:
    with db.connection() as conn:
        total = fetchone_required(
            conn, "SELECT count(*) AS n FROM api_keys WHERE tenant_id = %s", (tenant.tenant_id,)
        )["n"]
        rows = fetchall(
            conn,
            "SELECT id, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = %s"
            " ORDER BY id LIMIT %s OFFSET %s",
            (tenant.tenant_id, page.limit, page.offset),
        )
    return {"items": rows, "total": total, "limit": page.limit, "offset": page.offset}


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
def revoke_key(key_id: IdPath, tenant: TenantDep, db: DbDep) -> Response:
    with db.connection() as conn:
        row = fetchone(
            conn,
            "SELECT id FROM api_keys WHERE id = %s AND tenant_id = %s",
            (key_id, tenant.tenant_id),
        )
        if row is None:
            raise not_found("Key")
        execute(
            conn,
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = %s",
            (key_id,),
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
