"""Webhook deliveries to a loopback receiver: HMAC signature, retries after a 500, one delivery."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from suites.conftest import Api, WebhookReceiver, wait_for


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_delivery_is_signed_retried_after_500_and_logged(
    new_tenant: Callable[[str], Api], receiver: WebhookReceiver
) -> None:
    tenant = new_tenant("webhooks")
    receiver.fail_next = 1
    body = {"url": receiver.url, "events": ["run.completed"]}
    hook = tenant.ok(tenant.client.post("/api/v1/webhooks", json=body), 201)
    assert hook["secret"], "the secret is shown once, at creation"
    listed = tenant.ok(tenant.client.get("/api/v1/webhooks"), 200)
    assert "secret" not in listed["items"][0], "listings must not reveal the secret"

    job = tenant.fixture_job("webhook flow")
    run = tenant.wait_run(tenant.start_run(job["id"]))
    accepted = wait_for(receiver.accepted, 20, "an accepted webhook delivery")
    assert len(receiver.deliveries) >= 2, "the first attempt answered 500 and must be retried"
    first, final = receiver.deliveries[0], accepted[0]
    assert first.answered == 500
    assert first.delivery_id == final.delivery_id, "a retry resends the same delivery"
    assert first.body == final.body

    sent = final.headers.get("x-ledger-signature", "")
    assert hmac.compare_digest(sent, signature(hook["secret"], final.body)), (
        "X-Ledger-Signature does not verify with the webhook's secret"
    )
    assert not hmac.compare_digest(sent, signature(hook["secret"] + "x", final.body))
    payload = final.json()
    assert payload["event"] == "run.completed"
    assert final.headers.get("x-ledger-event") == "run.completed"
    assert str(run["id"]) in {str(v) for v in payload.values()}, payload

    def logged() -> list[dict[str, object]]:
        page = tenant.ok(tenant.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries"), 200)
        items: list[dict[str, object]] = page["items"]
        return items

    attempts = wait_for(
        logged,
        10,
        "the delivery log to show the delivered attempt",
        until=lambda items: any(i["outcome"] == "delivered" for i in items),
    )
    outcomes = [(a["attempt"], a["status_code"], a["outcome"]) for a in attempts]
    assert outcomes[:2] == [(1, 500, "retrying"), (2, 200, "delivered")], outcomes
    assert len(receiver.accepted()) == 1, "exactly one accepted delivery per event"
