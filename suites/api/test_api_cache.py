"""Cache invalidation seen from outside: a write changes the next summary read."""

from __future__ import annotations

from collections.abc import Callable

from suites.conftest import RECORDS, Api

STALE = "the cache was not invalidated on write"


def read_twice(tenant: Api, path: str) -> dict[str, object]:
    first = tenant.client.get(path)
    second = tenant.client.get(path)
    assert first.status_code == second.status_code == 200, second.text
    assert second.headers.get("x-cache") == "hit", f"a repeated read of {path} was not cached"
    assert first.json() == second.json()
    body: dict[str, object] = second.json()
    return body


def test_deleting_a_job_changes_the_next_tenant_summary(new_tenant: Callable[[str], Api]) -> None:
    tenant = new_tenant("cache-delete")
    jobs = [tenant.fixture_job(f"cached {n}") for n in range(2)]
    for job in jobs:
        tenant.wait_run(tenant.start_run(job["id"]))
    before = read_twice(tenant, "/api/v1/reports/summary")
    assert (before["jobs"], before["runs"]) == (2, 2), before
    assert tenant.client.delete(f"/api/v1/jobs/{jobs[0]['id']}").status_code == 204
    after = tenant.client.get("/api/v1/reports/summary")
    assert (after.json()["jobs"], after.json()["runs"]) == (1, 1), (
        f"after DELETE job {jobs[0]['id']} the tenant summary still says {after.json()} "
        f"(X-Cache: {after.headers.get('x-cache')}): {STALE}"
    )


def test_a_new_run_changes_the_next_job_summary(new_tenant: Callable[[str], Api]) -> None:
    tenant = new_tenant("cache-rerun")
    job = tenant.fixture_job("rerun")
    first_run = tenant.wait_run(tenant.start_run(job["id"]))
    before = read_twice(tenant, f"/api/v1/jobs/{job['id']}/summary")
    assert before["run_id"] == first_run["id"]
    # Fewer right-hand records: the next run has a different answer.
    right = (RECORDS / "right.csv").read_text(encoding="utf-8").splitlines()
    tenant.upload(job["id"], "right", "\n".join(right[:11]) + "\n")
    second_run = tenant.wait_run(tenant.start_run(job["id"]))
    after = tenant.client.get(f"/api/v1/jobs/{job['id']}/summary")
    assert after.json()["run_id"] == second_run["id"], (
        f"after run {second_run['id']} completed, the job summary still names run "
        f"{after.json()['run_id']} (X-Cache: {after.headers.get('x-cache')}): {STALE}"
    )
    assert after.json()["unmatched_right"] == second_run["unmatched_right"]
