"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from ledger.api.deps import (
    AUTH_RESPONSES,
    BAD_BODY,
    NOT_FOUND,
    DbDep,
    IdPath,
    PageQuery,
    TenantDep,
    not_found,
)
from ledger.api.schemas import (
    DeliveryAttemptOut,
    Page,
    Problem,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
)
from ledger.core.db import Conn, execute, fetchall, fetchone, fetchone_required
from ledger.webhooks import new_secret

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=AUTH_RESPONSES)


def _owned(conn: Conn, tenant_id: int, webhook_id: int) -> None:
    row = fetchone(
        conn,
        "SELECT id FROM webhooks WHERE id = %s AND tenant_id = %s AND deleted_at IS NULL",
        (webhook_id, tenant_id),
    )
    if row is None:
        raise not_found("Webhook")


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated, responses=BAD_BODY
)
def create_webhook(body: WebhookCreate, tenant: TenantDep, db: DbDep) -> dict[str, Any]:
    with db.connection() as conn:
        row = fetchone_required(
            conn,
            "INSERT INTO webhooks (tenant_id, url, events, secret) VALUES (%s, %s, %s, %s)"
            " RETURNING id, url, events, secret, created_at",
            (tenant.tenant_id, body.url, sorted(set(body.events)), new_secret()),
        )
    return dict(row)


@router.get("", response_model=Page[WebhookOut])
def list_webhooks(tenant: TenantDep, db: DbDep, page: PageQuery) -> dict[str, Any]:
    with db.connection() as conn:
        total = fetchone_required(
            conn,
            "SELECT count(*) AS n FROM webhooks WHERE tenant_id = %s AND deleted_at IS NULL",
            (tenant.tenant_id,),
        )["n"]
        rows = fetchall(
            conn,
            "SELECT id, url, events, created_at FROM webhooks"
            " WHERE tenant_id = %s AND deleted_at IS NULL ORDER BY id LIMIT %s OFFSET %s",
            (tenant.tenant_id, page.limit, page.offset),
        )
    return {"items": rows, "total": total, "limit": page.limit, "offset": page.offset}


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={404: {"model": Problem, "description": "Never a webhook of this tenant"}},
)
def delete_webhook(webhook_id: IdPath, tenant: TenantDep, db: DbDep) -> Response:
    # Idempotent soft delete, like jobs: the caller's own deleted webhook answers 204 again.
    with db.connection() as conn:
        row = fetchone(
            conn,
            "SELECT deleted_at FROM webhooks WHERE id = %s AND tenant_id = %s FOR UPDATE",
            (webhook_id, tenant.tenant_id),
        )
        if row is None:
            raise not_found("Webhook")
        if row["deleted_at"] is None:
            execute(conn, "UPDATE webhooks SET deleted_at = now() WHERE id = %s", (webhook_id,))
            execute(
                conn,
                "UPDATE webhook_deliveries SET status = 'cancelled'"
                " WHERE webhook_id = %s AND status = 'pending'",
                (webhook_id,),
            )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries", response_model=Page[DeliveryAttemptOut], responses=NOT_FOUND
)
def list_deliveries(
    webhook_id: IdPath, tenant: TenantDep, db: DbDep, page: PageQuery
) -> dict[str, Any]:
    with db.connection() as conn:
        _owned(conn, tenant.tenant_id, webhook_id)
        total = fetchone_required(
            conn, "SELECT count(*) AS n FROM webhook_attempts WHERE webhook_id = %s", (webhook_id,)
        )["n"]
        rows = fetchall(
            conn,
            "SELECT delivery_id, event, attempt, status_code, error, at, outcome"
            " FROM webhook_attempts WHERE webhook_id = %s ORDER BY id LIMIT %s OFFSET %s",
            (webhook_id, page.limit, page.offset),
        )
    return {"items": rows, "total": total, "limit": page.limit, "offset": page.offset}
