"""Deletes: idempotent for the caller's own objects; never-owned objects are 404."""

from __future__ import annotations

from suites.conftest import Api


def test_deleting_a_job_twice_is_204_and_it_disappears(api: Api) -> None:
    job = api.fixture_job("to delete")
    run = api.wait_run(api.start_run(job["id"]))
    for _ in range(2):
        assert api.client.delete(f"/api/v1/jobs/{job['id']}").status_code == 204
    assert api.client.get(f"/api/v1/jobs/{job['id']}").status_code == 404
    assert api.client.get(f"/api/v1/jobs/{job['id']}/summary").status_code == 404
    assert api.client.get(f"/api/v1/runs/{run['id']}").status_code == 404
    listed = api.ok(api.client.get("/api/v1/jobs", params={"limit": 100}), 200)
    assert job["id"] not in [j["id"] for j in listed["items"]]


def test_deleting_a_job_that_never_existed_is_404(api: Api) -> None:
    assert api.client.delete("/api/v1/jobs/987654321").status_code == 404


def test_deleting_a_webhook_twice_is_204(api: Api) -> None:
    body = {"url": "http://127.0.0.1:9/gone", "events": ["run.completed"]}
    hook = api.ok(api.client.post("/api/v1/webhooks", json=body), 201)
    first = api.client.delete(f"/api/v1/webhooks/{hook['id']}")
    again = api.client.delete(f"/api/v1/webhooks/{hook['id']}")
    assert first.status_code == 204
    assert again.status_code == 204, (
        f"a repeated DELETE of the caller's own webhook answered {again.status_code}; "
        "deletes must be idempotent like DELETE /api/v1/jobs/{id}"
    )
    listed = api.ok(api.client.get("/api/v1/webhooks", params={"limit": 100}), 200)
    assert hook["id"] not in [h["id"] for h in listed["items"]]


def test_deleting_a_webhook_that_never_existed_is_404(api: Api) -> None:
    assert api.client.delete("/api/v1/webhooks/987654321").status_code == 404
