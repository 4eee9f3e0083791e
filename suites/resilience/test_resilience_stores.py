"""Redis stopped and PostgreSQL restarted under light traffic: degrade, recover, lose nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from signoff.stack.interface import StackControls
from suites.conftest import Api, Timeline, scrape, total, wait_for


def readiness(anon: httpx.Client) -> dict[str, Any]:
    try:
        response = anon.get("/health/ready", timeout=3.0)
        body: dict[str, Any] = response.json()
        return body
    except (httpx.HTTPError, ValueError) as exc:
        return {"status": f"no answer ({type(exc).__name__})"}


def wait_status(anon: httpx.Client, status: str, timeout: float, line: Timeline) -> None:
    began = time.monotonic()
    wait_for(lambda: readiness(anon)["status"] == status, timeout, f"readiness {status!r}")
    line.observe(f"readiness {status}", after_s=round(time.monotonic() - began, 3))


def test_redis_down_degrades_and_recovers_without_restart(
    api: Api,
    anon: httpx.Client,
    controls: StackControls,
    traffic: Any,
    settings: dict[str, Any],
    timeline: Timeline,
) -> None:
    job = api.fixture_job("redis outage")
    api.wait_run(api.start_run(job["id"]))
    summary = f"/api/v1/jobs/{job['id']}/summary"
    flow = traffic([summary, "/api/v1/jobs", "/api/v1/reports/summary"])
    time.sleep(0.5)
    timeline.observe("traffic before the fault", **flow.summary(list(flow.samples)))

    controls.stop("redis")
    down_at = time.monotonic()
    timeline.inject("redis stopped")
    wait_status(anon, "degraded", float(settings["health_timeout"]), timeline)
    assert readiness(anon)["components"]["redis"]["status"] == "down"
    time.sleep(2.0)
    controls.start("redis")
    up_at = time.monotonic()
    timeline.inject("redis started")

    during = flow.between(down_at, up_at)
    failed = [s for s in during if s.status >= 500 or s.status == 0]
    timeline.observe("traffic while redis was down", **flow.summary(during))
    assert len(during) >= 20, f"only {len(during)} requests were sent while Redis was down"
    share = len(failed) / len(during)
    budget = float(settings["redis_error_budget"])
    assert share <= budget, (
        f"{len(failed)} of {len(during)} reads failed while Redis was down "
        f"({share:.1%} > budget {budget:.1%}); first: {failed[0].status} {failed[0].body[:120]}"
    )

    wait_status(anon, "healthy", float(settings["health_timeout"]), timeline)
    hits_before = total(scrape(anon), "ledger_cache_hits_total")

    def hits_rise() -> float:
        api.client.get(summary)
        return total(scrape(anon), "ledger_cache_hits_total") - hits_before

    risen = wait_for(hits_rise, 10, "cache hits to rise again after Redis came back", every=0.3)
    timeline.observe("cache hits rise again", by=risen)
    flow.stop()
    after = flow.between(up_at, time.monotonic())
    timeline.observe("traffic after recovery", **flow.summary(after))


def test_postgres_restart_loses_and_duplicates_nothing(
    api: Api,
    anon: httpx.Client,
    controls: StackControls,
    new_tenant: Callable[[str], Api],
    traffic: Any,
    settings: dict[str, Any],
    db: Any,
    big_csv: Any,
    timeline: Timeline,
) -> None:
    tenant = new_tenant("postgres restart")
    uploaded: dict[int, tuple[int, int]] = {}
    for n in range(4):
        job = tenant.fixture_job(f"pg {n}")
        uploaded[job["id"]] = (40, 40)
    big = tenant.create_job("pg big", "0.05", 3)
    rows = int(settings["large_rows"]) // 3
    tenant.upload(big["id"], "left", big_csv(rows, "L"))
    tenant.upload(big["id"], "right", big_csv(rows, "R", shift=1))
    uploaded[big["id"]] = (rows, rows)
    # read as the job's owner: to anyone else the job is a 404 whenever the database is up
    flow = traffic(["/api/v1/jobs", f"/api/v1/jobs/{big['id']}"], tenant.key)

    runs = {tenant.start_run(job_id): job_id for job_id in [big["id"], *list(uploaded)[:4]]}
    first = next(iter(runs))
    wait_for(lambda: tenant.run(first)["status"] == "running", 10, "the large run to start", 0.01)
    states = {r: tenant.run(r)["status"] for r in runs}
    assert "queued" in states.values(), f"no run was still queued: {states}"
    timeline.observe("runs accepted", runs=list(runs), states=states)
    controls.stop("postgres")
    down_at = time.monotonic()
    timeline.inject("postgresql stopped")

    time.sleep(1.0)
    refused = tenant.client.post(f"/api/v1/jobs/{big['id']}/runs")
    listed = tenant.client.get("/api/v1/jobs")
    ready = anon.get("/health/ready")
    timeline.observe(
        "answers while postgresql is down",
        post_run=refused.status_code,
        get_jobs=listed.status_code,
        ready=ready.status_code,
        body=listed.text[:200],
    )
    for response in (refused, listed):
        assert response.status_code == 503, (
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} while PostgreSQL was down, expected 503"
        )
        assert "database" in response.json()["detail"].lower(), response.text
        assert "Traceback" not in response.text
    assert ready.status_code == 503
    assert ready.json()["status"] == "unhealthy"

    controls.start("postgres")
    up_at = time.monotonic()
    timeline.inject("postgresql started")
    during = flow.between(down_at, up_at)
    timeline.observe("traffic while postgresql was down", **flow.summary(during))
    bad = [s for s in during if s.status not in (200, 503)]
    assert not bad, f"while PostgreSQL was down some reads answered {bad[0].status}: {bad[0].body}"
    assert any(s.status == 503 for s in during), "no read saw the outage (503)"

    def all_done() -> dict[int, str] | None:
        seen = {r: tenant.run(r)["status"] for r in runs}
        return seen if all(v in ("completed", "failed") for v in seen.values()) else None

    finished = wait_for(all_done, float(settings["recovery_timeout"]), "every accepted run")
    timeline.observe("every accepted run finished", states=finished)
    assert set(finished.values()) == {"completed"}, f"runs did not all complete: {finished}"
    for run_id, job_id in runs.items():
        run = tenant.run(run_id)
        left, right = uploaded[job_id]
        assert run["matched"] + run["unmatched_left"] == left, (run, left)
        assert run["matched"] + run["unmatched_right"] == right, (run, right)
        stored = tenant.ok(tenant.client.get(f"/api/v1/jobs/{job_id}"), 200)
        assert (stored["left_count"], stored["right_count"]) == (left, right)
        (matches,) = db("SELECT count(*) FROM matches WHERE run_id = %s", run_id)[0]
        (summaries,) = db("SELECT count(*) FROM run_summaries WHERE run_id = %s", run_id)[0]
        assert matches == run["matched"], f"run {run_id}: {matches} match rows for {run['matched']}"
        assert summaries == 1, f"run {run_id} has {summaries} summary rows"
    (count,) = db(
        "SELECT count(*) FROM runs WHERE tenant_id = (SELECT tenant_id FROM runs WHERE id = %s)",
        next(iter(runs)),
    )[0]
    assert count == len(runs), f"{count} runs are stored for {len(runs)} accepted"
    timeline.observe("stored counts verified", runs=len(runs))
