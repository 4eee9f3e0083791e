"""The user mix against the reference service: report readers, operators and integrators.

Every request is named by its route template ("GET /api/v1/jobs/{job_id}/summary") so stats,
histograms and budgets group by endpoint, not by URL.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, task

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
LEFT_CSV = (FIXTURES / "left.csv").read_bytes()
RIGHT_CSV = (FIXTURES / "right.csv").read_bytes()
_names = itertools.count(1)


class LedgerUser(FastHttpUser):
    """Common to every user: the bearer key and the seeded jobs to read."""

    abstract = True
    api_key = ""
    job_ids: list[int] = []  # noqa: RUF012  (filled from the plan once per process)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {self.api_key}"}

    def pick_job(self) -> int | None:
        if self.job_ids:
            return random.choice(self.job_ids)
        with self.client.get(
            "/api/v1/jobs?limit=20", headers=self.auth, name="GET /api/v1/jobs", catch_response=True
        ) as response:
            items = response.json().get("items", []) if response.ok else []
            response.success() if response.ok else response.failure(response.status_code)
        return int(random.choice(items)["id"]) if items else None


class ReportReader(LedgerUser):
    """Reads summaries and job lists: the cached hot paths."""

    @task(4)
    def tenant_summary(self) -> None:
        self.client.get(
            "/api/v1/reports/summary", headers=self.auth, name="GET /api/v1/reports/summary"
        )

    @task(4)
    def job_summary(self) -> None:
        job = self.pick_job()
        if job is not None:
            self.client.get(
                f"/api/v1/jobs/{job}/summary",
                headers=self.auth,
                name="GET /api/v1/jobs/{job_id}/summary",
            )

    @task(2)
    def list_jobs(self) -> None:
        self.client.get("/api/v1/jobs?limit=20", headers=self.auth, name="GET /api/v1/jobs")

    @task(1)
    def one_job(self) -> None:
        job = self.pick_job()
        if job is not None:
            self.client.get(
                f"/api/v1/jobs/{job}", headers=self.auth, name="GET /api/v1/jobs/{job_id}"
            )


class Operator(LedgerUser):
    """Creates a job, uploads both record sets, starts a run and polls its status."""

    run_polls = 3

    @task
    def reconcile(self) -> None:
        body = {"name": f"load {next(_names)}", "amount_tolerance": "0.05", "date_window_days": 3}
        created = self.client.post(
            "/api/v1/jobs", json=body, headers=self.auth, name="POST /api/v1/jobs"
        )
        if not created.ok:
            return
        job = int(created.json()["id"])
        for side, data in (("left", LEFT_CSV), ("right", RIGHT_CSV)):
            self.client.put(
                f"/api/v1/jobs/{job}/records/{side}",
                data=data,
                headers={**self.auth, "Content-Type": "text/csv"},
                name=f"PUT /api/v1/jobs/{{job_id}}/records/{side}",
            )
        started = self.client.post(
            f"/api/v1/jobs/{job}/runs", headers=self.auth, name="POST /api/v1/jobs/{job_id}/runs"
        )
        if not started.ok:
            return
        run = int(started.json()["id"])
        for _ in range(self.run_polls):
            self.wait()
            status = self.client.get(
                f"/api/v1/runs/{run}", headers=self.auth, name="GET /api/v1/runs/{run_id}"
            )
            if status.ok and status.json().get("status") in ("completed", "failed"):
                break


class Integrator(LedgerUser):
    """Manages webhook subscriptions and reads the adapter list."""

    @task(2)
    def webhooks(self) -> None:
        body = {"url": "http://127.0.0.1:9/hook", "events": ["run.completed"]}
        created = self.client.post(
            "/api/v1/webhooks", json=body, headers=self.auth, name="POST /api/v1/webhooks"
        )
        self.client.get("/api/v1/webhooks?limit=20", headers=self.auth, name="GET /api/v1/webhooks")
        if created.ok:
            # Deleting at once keeps the worker from retrying deliveries to a closed port.
            self.client.delete(
                f"/api/v1/webhooks/{created.json()['id']}",
                headers=self.auth,
                name="DELETE /api/v1/webhooks/{webhook_id}",
            )

    @task(1)
    def adapters(self) -> None:
        self.client.get("/api/v1/adapters", name="GET /api/v1/adapters")


def configure(plan: dict[str, Any], api_key: str) -> None:
    """Weights, think times and seeded jobs from the plan (the `[load.mix]` settings)."""
    mix = plan.get("settings", {}).get("mix", {})
    job_ids = [int(j) for j in plan.get("seed", {}).get("job_ids", [])]
    LedgerUser.api_key = api_key
    LedgerUser.job_ids = job_ids
    for cls, prefix in (
        (ReportReader, "reader"),
        (Operator, "operator"),
        (Integrator, "integrator"),
    ):
        cls.weight = int(mix.get(f"{prefix}_weight", 1))
        low, high = mix.get(f"{prefix}_think_s", [0.5, 1.5])
        cls.wait_time = between(float(low), float(high))
    Operator.run_polls = int(mix.get("run_polls", 3))
