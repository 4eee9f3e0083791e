"""The embedded stack, used as a new user would: real PostgreSQL, Redis, service and worker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from signoff.stack.interface import StackHandle
from tests.conftest import RECORDS

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def api(stack: StackHandle) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {stack.token}"}
    with httpx.Client(base_url=stack.base_url, headers=headers, timeout=10) as client:
        yield client


def reconcile(api: httpx.Client) -> dict[str, object]:
    """Create a job, upload both fixture files, run it and return its summary."""
    rules = (
        json.loads((RECORDS / "job.json").read_text())
        if (RECORDS / "job.json").exists()
        else {"amount_tolerance": "0.05", "date_window_days": 3}
    )
    job = api.post("/api/v1/jobs", json={"name": "fixture", **rules})
    assert job.status_code == 201, job.text
    job_id = job.json()["id"]
    for side in ("left", "right"):
        body = (RECORDS / f"{side}.csv").read_bytes()
        upload = api.put(
            f"/api/v1/jobs/{job_id}/records/{side}",
            content=body,
            headers={"Content-Type": "text/csv"},
        )
        assert upload.status_code == 201, upload.text
    run = api.post(f"/api/v1/jobs/{job_id}/runs")
    assert run.status_code == 202, run.text
    run_id = run.json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = api.get(f"/api/v1/runs/{run_id}").json()["status"]
        if status in ("completed", "failed"):
            break
        time.sleep(0.1)
    assert status == "completed"
    summary = api.get(f"/api/v1/jobs/{job_id}/summary")
    assert summary.status_code == 200, summary.text
    return {"job_id": job_id, **summary.json()}


def test_ready_with_every_component_ok(stack: StackHandle) -> None:
    ready = httpx.get(f"{stack.base_url}/health/ready", timeout=5)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "healthy"
    for component in ("postgres", "redis", "worker"):
        assert body["components"][component]["status"] == "ok"


def test_fixture_reconciliation_matches_known_answer(api: httpx.Client) -> None:
    expected = json.loads((RECORDS / "expected.json").read_text())
    summary = reconcile(api)
    for key in ("matched", "unmatched_left", "unmatched_right"):
        assert summary[key] == expected[key], key
    assert summary["match_rate"] == pytest.approx(expected["match_rate"], abs=1e-3)


def test_malformed_csv_is_rejected_naming_the_row(api: httpx.Client) -> None:
    job_id = api.post(
        "/api/v1/jobs", json={"name": "bad", "amount_tolerance": "0", "date_window_days": 0}
    ).json()["id"]
    body = (RECORDS / "malformed.csv").read_bytes()
    response = api.put(
        f"/api/v1/jobs/{job_id}/records/left", content=body, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail
    assert all("row" in item and "field" in item for item in detail)
    stored = api.get(f"/api/v1/jobs/{job_id}/records/left").json()
    assert stored["total"] == 0


def test_wrong_key_is_401(stack: StackHandle) -> None:
    response = httpx.get(
        f"{stack.base_url}/api/v1/jobs", headers={"Authorization": "Bearer not-a-key"}, timeout=5
    )
    assert response.status_code == 401


def test_other_tenants_job_is_404(stack: StackHandle, api: httpx.Client) -> None:
    job_id = api.post(
        "/api/v1/jobs", json={"name": "mine", "amount_tolerance": "0", "date_window_days": 0}
    ).json()["id"]
    other = stack.controls.new_credential("intruder")
    response = httpx.get(
        f"{stack.base_url}/api/v1/jobs/{job_id}",
        headers={"Authorization": f"Bearer {other}"},
        timeout=5,
    )
    assert response.status_code == 404


def test_redis_down_degrades_but_summaries_answer(stack: StackHandle, api: httpx.Client) -> None:
    summary = reconcile(api)
    stack.controls.stop("redis")
    try:
        ready = httpx.get(f"{stack.base_url}/health/ready", timeout=5)
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["components"]["redis"]["status"] != "ok"
        again = api.get(f"/api/v1/jobs/{summary['job_id']}/summary")
        assert again.status_code == 200
        assert again.json()["matched"] == summary["matched"]
    finally:
        stack.controls.start("redis")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if httpx.get(f"{stack.base_url}/health/ready", timeout=5).json()["status"] == "healthy":
            break
        time.sleep(0.2)
    assert httpx.get(f"{stack.base_url}/health/ready", timeout=5).json()["status"] == "healthy"
