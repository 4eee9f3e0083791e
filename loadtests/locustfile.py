"""The ledger's user mix: report readers, operators and integrators.

signoff's load layer runs this file (`[tool.signoff.load] locustfile`); the shape that plays the
stage tables, the open model and the benchmark users come from `signoff.load.locust`. Before the
load starts, the master (or the single Locust process) creates SEED_JOBS jobs with a completed
run, so readers read real summaries, and hands their ids to the workers and the open model
(`VALUES["job_id"]`). Against a read-only deployment nothing is seeded and only reads are sent.

Started by hand, it runs the smoke profile of the project's configuration:

    SIGNOFF_API_KEY=... locust -f loadtests/locustfile.py --headless -H http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import os
import random
import time
from pathlib import Path
from typing import Any

import httpx
from locust import between, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from signoff.load.locust import (
    VALUES,
    OpenModelUser,
    PacedUser,
    PeakUser,
    PlanShape,
    ServiceUser,
    handle,
    setup,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
LEFT_CSV = (FIXTURES / "left.csv").read_bytes()
RIGHT_CSV = (FIXTURES / "right.csv").read_bytes()

# jobs with a completed run created before the load starts (LEDGER_LOAD_SEED_JOBS overrides)
SEED_JOBS = int(os.environ.get("LEDGER_LOAD_SEED_JOBS", "4"))
# relative share of users and think time between tasks (seconds) of each user class: a
# read-heavy mix, as a reporting service sees (readers are eight users in ten and send most
# requests; operators write about one request in ten). The "cache-hit-ratio" claim in
# claims.toml is judged under this mix; a run's record shows its request counts per endpoint.
READER_WEIGHT, READER_THINK_S = 8, (0.5, 1.5)
OPERATOR_WEIGHT, OPERATOR_THINK_S = 1, (1.0, 3.0)
INTEGRATOR_WEIGHT, INTEGRATOR_THINK_S = 1, (1.0, 3.0)
# how many times an operator polls a run's status before moving on
RUN_POLLS = 3

JOBS_MESSAGE = "ledger_seed_jobs"
VALUES["job_id"] = []
_names = itertools.count(1)


class LedgerUser(ServiceUser):
    """Common to every ledger user: a job to read, seeded or found."""

    abstract = True

    def pick_job(self) -> str | None:
        if VALUES["job_id"]:
            return random.choice(VALUES["job_id"])
        with self.send(
            "GET /api/v1/jobs", "/api/v1/jobs?limit=20", catch_response=True
        ) as response:
            items = response.json().get("items", []) if response.ok else []
            response.success() if response.ok else response.failure(response.status_code)
        return str(random.choice(items)["id"]) if items else None


class ReportReader(LedgerUser):
    """Reads summaries and job lists: the cached hot paths."""

    weight = READER_WEIGHT
    wait_time = between(*READER_THINK_S)

    @task(4)
    def tenant_summary(self) -> None:
        self.send("GET /api/v1/reports/summary")

    @task(4)
    def job_summary(self) -> None:
        job = self.pick_job()
        if job is not None:
            self.send("GET /api/v1/jobs/{job_id}/summary", f"/api/v1/jobs/{job}/summary")

    @task(2)
    def list_jobs(self) -> None:
        self.send("GET /api/v1/jobs", "/api/v1/jobs?limit=20")

    @task(1)
    def one_job(self) -> None:
        job = self.pick_job()
        if job is not None:
            self.send("GET /api/v1/jobs/{job_id}", f"/api/v1/jobs/{job}")


class Operator(LedgerUser):
    """Creates a job, uploads both record sets, starts a run and polls its status."""

    weight = OPERATOR_WEIGHT
    wait_time = between(*OPERATOR_THINK_S)

    @task
    def reconcile(self) -> None:
        body = {"name": f"load {next(_names)}", "amount_tolerance": "0.05", "date_window_days": 3}
        created = self.send("POST /api/v1/jobs", json=body)
        if created is None or not created.ok:
            return
        job = int(created.json()["id"])
        for side, data in (("left", LEFT_CSV), ("right", RIGHT_CSV)):
            self.send(
                f"PUT /api/v1/jobs/{{job_id}}/records/{side}",
                f"/api/v1/jobs/{job}/records/{side}",
                data=data,
                headers={"Content-Type": "text/csv"},
            )
        started = self.send("POST /api/v1/jobs/{job_id}/runs", f"/api/v1/jobs/{job}/runs")
        if started is None or not started.ok:
            return
        run = int(started.json()["id"])
        for _ in range(RUN_POLLS):
            self.wait()
            status = self.send("GET /api/v1/runs/{run_id}", f"/api/v1/runs/{run}")
            if status.ok and status.json().get("status") in ("completed", "failed"):
                break


class Integrator(LedgerUser):
    """Manages webhook subscriptions and reads the adapter list."""

    weight = INTEGRATOR_WEIGHT
    wait_time = between(*INTEGRATOR_THINK_S)

    @task(2)
    def webhooks(self) -> None:
        body = {"url": "http://127.0.0.1:9/hook", "events": ["run.completed"]}
        created = self.send("POST /api/v1/webhooks", json=body)
        self.send("GET /api/v1/webhooks", "/api/v1/webhooks?limit=20")
        if created is not None and created.ok:
            # Deleting at once keeps the worker from retrying deliveries to a closed port.
            self.send(
                "DELETE /api/v1/webhooks/{webhook_id}",
                f"/api/v1/webhooks/{created.json()['id']}",
            )

    @task(1)
    def adapters(self) -> None:
        self.send("GET /api/v1/adapters")


def seed_jobs(
    base_url: str, headers: dict[str, str], count: int, timeout: float = 30.0
) -> list[str]:
    """Create `count` jobs from the fixture records, run each, and wait until all completed."""
    jobs: list[str] = []
    runs: list[int] = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=10.0) as client:
        for index in range(count):
            body = {"name": f"load seed {index}", "amount_tolerance": "0.05", "date_window_days": 3}
            job = client.post("/api/v1/jobs", json=body).raise_for_status().json()["id"]
            for side, data in (("left", LEFT_CSV), ("right", RIGHT_CSV)):
                client.put(
                    f"/api/v1/jobs/{job}/records/{side}",
                    content=data,
                    headers={"Content-Type": "text/csv"},
                ).raise_for_status()
            runs.append(client.post(f"/api/v1/jobs/{job}/runs").raise_for_status().json()["id"])
            jobs.append(str(job))
        deadline = time.monotonic() + timeout
        pending = set(runs)
        while pending and time.monotonic() < deadline:
            for run in sorted(pending):
                status = client.get(f"/api/v1/runs/{run}").raise_for_status().json()["status"]
                if status in ("completed", "failed"):
                    pending.discard(run)
            time.sleep(0.2)
    if pending:
        raise RuntimeError(
            f"{len(pending)} seed runs did not complete within {timeout:g} s: is the ledger's "
            "worker running (stack-logs/worker.log)?"
        )
    return jobs


@events.init.add_listener
def _seed(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        # Locust hands a custom message to its listener as the keyword `msg`
        runner.register_message(JOBS_MESSAGE, lambda msg, **_kw: VALUES["job_id"].extend(msg.data))
        return
    if SEED_JOBS <= 0 or not environment.host or not handle().may_send("POST /api/v1/jobs"):
        return
    base_url = str(environment.host).rstrip("/")
    try:
        VALUES["job_id"][:] = seed_jobs(base_url, handle().headers, SEED_JOBS)
    except httpx.HTTPError as exc:
        raise RuntimeError(f"Seeding {base_url} for the load run failed: {exc}.") from exc


@events.test_start.add_listener
def _share_jobs(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.send_message(JOBS_MESSAGE, list(VALUES["job_id"]))


setup(closed=[ReportReader, Operator, Integrator])

__all__ = [
    "Integrator",
    "OpenModelUser",
    "Operator",
    "PacedUser",
    "PeakUser",
    "PlanShape",
    "ReportReader",
]
