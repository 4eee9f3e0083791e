"""Tenant isolation: another tenant's jobs, records, runs, webhooks and keys are invisible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from suites.conftest import Api


@pytest.fixture(scope="module")
def owner_objects(api: Api) -> dict[str, Any]:
    job = api.fixture_job("isolation")
    run = api.wait_run(api.start_run(job["id"]))
    hook = api.ok(
        api.client.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/never", "events": ["run.completed"]},
        ),
        201,
    )
    key = api.ok(api.client.post("/api/v1/keys"), 201)
    return {"job": job["id"], "run": run["id"], "hook": hook["id"], "key": key["id"]}


def test_every_object_of_another_tenant_is_404(
    owner_objects: dict[str, Any], new_tenant: Callable[[str], Api]
) -> None:
    other = new_tenant("intruder")
    job, run, hook, key = (owner_objects[k] for k in ("job", "run", "hook", "key"))
    attempts = [
        ("GET", f"/api/v1/jobs/{job}", None),
        ("PATCH", f"/api/v1/jobs/{job}", {"name": "stolen"}),
        ("DELETE", f"/api/v1/jobs/{job}", None),
        ("GET", f"/api/v1/jobs/{job}/records/left", None),
        ("POST", f"/api/v1/jobs/{job}/runs", None),
        ("GET", f"/api/v1/jobs/{job}/runs", None),
        ("GET", f"/api/v1/jobs/{job}/summary", None),
        ("GET", f"/api/v1/runs/{run}", None),
        ("GET", f"/api/v1/runs/{run}/matches", None),
        ("GET", f"/api/v1/runs/{run}/unmatched?side=left", None),
        ("DELETE", f"/api/v1/webhooks/{hook}", None),
        ("GET", f"/api/v1/webhooks/{hook}/deliveries", None),
        ("DELETE", f"/api/v1/keys/{key}", None),
    ]
    leaks = []
    for method, path, body in attempts:
        response = other.client.request(method, path, json=body)
        if response.status_code != 404:
            leaks.append(f"{method} {path} -> {response.status_code}")
    upload = other.client.put(
        f"/api/v1/jobs/{job}/records/left",
        content="reference,date,amount,currency\nX,2024-01-01,1.00,EUR\n",
        headers={"Content-Type": "text/csv"},
    )
    if upload.status_code != 404:
        leaks.append(f"PUT /api/v1/jobs/{job}/records/left -> {upload.status_code}")
    assert not leaks, "another tenant reached: " + "; ".join(leaks)


def test_lists_and_summaries_hold_only_the_callers_objects(
    owner_objects: dict[str, Any], api: Api, new_tenant: Callable[[str], Api]
) -> None:
    other = new_tenant("neighbour")
    for path in ("/api/v1/jobs", "/api/v1/webhooks"):
        page = other.ok(other.client.get(path), 200)
        assert (page["total"], page["items"]) == (0, []), f"{path} of a new tenant: {page}"
    keys = other.ok(other.client.get("/api/v1/keys"), 200)
    assert keys["total"] == 1, f"a new tenant should hold only its own key: {keys}"
    summary = other.ok(other.client.get("/api/v1/reports/summary"), 200)
    assert (summary["jobs"], summary["runs"], summary["matched"]) == (0, 0, 0), summary
    # The owner still sees its own objects, untouched by the intruder's attempts.
    job = api.ok(api.client.get(f"/api/v1/jobs/{owner_objects['job']}"), 200)
    assert job["name"] == "isolation"
