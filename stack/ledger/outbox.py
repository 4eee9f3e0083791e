"""The webhook outbox: rows written with a completed run, delivered here with retries."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from ledger.core.config import Settings
from ledger.core.db import Conn, Connector, execute, fetchall, fetchone
from ledger.core.metrics import WEBHOOK_DELIVERIES
from ledger.webhooks import backoff_delay, new_delivery_id, post

__all__ = ["deliver_one", "enqueue_run_completed"]

log = logging.getLogger("ledger.outbox")


def enqueue_run_completed(conn: Conn, tenant_id: int, payload: dict[str, Any]) -> int:
    """Insert one delivery per subscribed webhook, inside the caller's transaction."""
    hooks = fetchall(
        conn,
        "SELECT id FROM webhooks WHERE tenant_id = %s AND deleted_at IS NULL"
        " AND 'run.completed' = ANY(events)",
        (tenant_id,),
    )
    body = json.dumps({"event": "run.completed", **payload}, sort_keys=True, default=str)
    for hook in hooks:
        execute(
            conn,
            "INSERT INTO webhook_deliveries (id, webhook_id, event, payload)"
            " VALUES (%s, %s, 'run.completed', %s)",
            (new_delivery_id(), hook["id"], body),
        )
    return len(hooks)


def deliver_one(db: Connector, client: httpx.Client, settings: Settings) -> bool:
    """Attempt the oldest due delivery; False when nothing was due.

    The row stays locked during the HTTP call, so two workers never send the same attempt.
    """
    with db.connection() as conn:
        row = fetchone(
            conn,
            "SELECT d.id, d.webhook_id, d.event, d.payload, d.attempts, w.url, w.secret"
            " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()"
            " ORDER BY d.next_attempt_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED",
        )
        if row is None:
            return False
        attempt_no = int(row["attempts"]) + 1
        result = post(
            client, row["url"], row["secret"], row["event"], row["id"], row["payload"].encode()
        )
        if result.ok:
            outcome, status = "delivered", "delivered"
        elif attempt_no >= settings.webhook_max_attempts:
            outcome, status = "failed", "failed"
        else:
            outcome, status = "retrying", "pending"
        delay = backoff_delay(
            attempt_no, settings.webhook_backoff_s, settings.webhook_backoff_cap_s
        )
        execute(
            conn,
            "INSERT INTO webhook_attempts"
            " (delivery_id, webhook_id, event, attempt, status_code, error, outcome)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                row["id"],
                row["webhook_id"],
                row["event"],
                attempt_no,
                result.status_code,
                result.error,
                outcome,
            ),
        )
        execute(
            conn,
            "UPDATE webhook_deliveries SET status = %s, attempts = %s,"
            " next_attempt_at = clock_timestamp() + make_interval(secs => %s) WHERE id = %s",
            (status, attempt_no, delay, row["id"]),
        )
    WEBHOOK_DELIVERIES.labels(outcome).inc()
    if outcome != "delivered":
        log.info("delivery %s attempt %d: %s", row["id"], attempt_no, result.error)
    return True
