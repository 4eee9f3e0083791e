"""A worker killed mid-run, and a webhook receiver that is down: work resumes, exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from signoff.stack.interface import StackControls
from suites.conftest import Api, Timeline, WebhookReceiver, wait_for


def test_worker_killed_mid_run_is_picked_up_and_completes_once(
    controls: StackControls,
    new_tenant: Callable[[str], Api],
    settings: dict[str, Any],
    db: Any,
    big_csv: Any,
    timeline: Timeline,
) -> None:
    tenant = new_tenant("worker crash")
    rows = int(settings["large_rows"])
    job = tenant.create_job("long run", "0.05", 3)
    tenant.upload(job["id"], "left", big_csv(rows, "L"))
    tenant.upload(job["id"], "right", big_csv(rows, "R", shift=1))
    run_id = tenant.start_run(job["id"])
    wait_for(lambda: tenant.run(run_id)["status"] != "queued", 10, "the run to be claimed", 0.01)
    state = tenant.run(run_id)["status"]
    assert state == "running", f"the run was {state} before the worker could be killed"
    controls.kill("worker")
    timeline.inject("worker killed (SIGKILL)", run=run_id, status=state)
    time.sleep(0.5)
    assert tenant.run(run_id)["status"] == "running", "the run finished despite the kill"
    controls.start("worker")
    timeline.inject("worker started")

    run = tenant.wait_run(run_id, float(settings["recovery_timeout"]))
    timeline.observe("run finished", status=run["status"], matched=run["matched"])
    assert run["status"] == "completed", run
    assert run["matched"] + run["unmatched_left"] == rows
    assert run["matched"] + run["unmatched_right"] == rows
    (attempts,) = db("SELECT attempts FROM runs WHERE id = %s", run_id)[0]
    (matches,) = db("SELECT count(*) FROM matches WHERE run_id = %s", run_id)[0]
    (summaries,) = db("SELECT count(*) FROM run_summaries WHERE run_id = %s", run_id)[0]
    timeline.observe("stored", attempts=attempts, matches=matches, summaries=summaries)
    assert attempts == 2, f"the run was claimed {attempts} times, expected 2 (crash, then rerun)"
    assert matches == run["matched"], f"{matches} match rows for {run['matched']} matches"
    assert summaries == 1, f"{summaries} summary rows: the run completed more than once"


def test_webhook_deliveries_wait_for_the_receiver_and_arrive_once(
    new_tenant: Callable[[str], Api], receiver: WebhookReceiver, timeline: Timeline
) -> None:
    tenant = new_tenant("receiver outage")
    body = {"url": receiver.url, "events": ["run.completed"]}
    hook = tenant.ok(tenant.client.post("/api/v1/webhooks", json=body), 201)
    receiver.stop()
    timeline.inject("webhook receiver stopped", url=receiver.url)
    runs = []
    for n in range(2):
        job = tenant.fixture_job(f"hook {n}")
        runs.append(tenant.wait_run(tenant.start_run(job["id"]))["id"])

    def failed_attempts() -> int:
        page = tenant.ok(tenant.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries"), 200)
        return sum(1 for a in page["items"] if a["outcome"] == "retrying")

    seen = wait_for(lambda: failed_attempts() >= 4, 15, "failed attempts to be retried")
    timeline.observe("deliveries retrying while the receiver is down", retrying=seen)
    receiver.start()
    timeline.inject("webhook receiver started")
    wait_for(lambda: len(receiver.accepted()) >= len(runs), 20, "every delivery to arrive")
    time.sleep(2.0)  # a duplicate would show up now
    accepted = receiver.accepted()
    ids = [d.delivery_id for d in accepted]
    payload_runs = sorted(int(d.json()["run_id"]) for d in accepted)
    timeline.observe("deliveries arrived", delivery_ids=ids, runs=payload_runs)
    assert len(ids) == len(set(ids)) == len(runs), f"deliveries by id: {ids}"
    assert payload_runs == sorted(runs), f"delivered runs {payload_runs}, expected {runs}"
